"""A slow network, simulated inside the page: the browser-side part of a test, not a mock of the server."""

from __future__ import annotations


def delay_answers(page, url_ending: str, milliseconds: int, method: str | None = None) -> None:
    """From now on, the page gets the answers to its requests whose URL ends with ``url_ending`` (and whose method is
    ``method``, when given) ``milliseconds`` late. The request itself reaches the server at once."""
    page.evaluate(
        """([ending, delay, method]) => { const send = window.fetch;
            window.fetch = async (url, init) => {
                const answer = await send(url, init);
                const chosen = String(url).endsWith(ending) && (!method || (init?.method ?? "GET") === method);
                if (chosen) await new Promise((r) => setTimeout(r, delay));
                return answer;
            }; }""",
        [url_ending, milliseconds, method],
    )
