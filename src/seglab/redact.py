"""Secrets kept out of logs and answers: API keys in query strings (``?api_key=...``, as Roboflow's clients send
them) and passwords in URLs (``postgresql://user:password@host/db``)."""

from __future__ import annotations

import logging
import re

_QUERY_SECRET = re.compile(r"(?i)([?&;](?:api_key|apikey|api-key|access_token|token|key|password|secret)=)[^&;#\s\"']+")
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]*:)\S*?(@)(?=[^\s@/?#]+(?:[/?#\s'\",]|$))")
"""``scheme://user:PASSWORD@host``; the password may hold ``@`` and ``/`` (unescaped, as people type them): it runs
to the last ``@`` before the host."""
MASK = "***"


def redact(text: str) -> str:
    """``text`` with secret query values and URL passwords replaced by ``***``."""
    return _URL_PASSWORD.sub(rf"\g<1>{MASK}\g<2>", _QUERY_SECRET.sub(rf"\g<1>{MASK}", text))


class RedactingFilter(logging.Filter):
    """A logging filter (for handlers) that redacts a record's message, its string arguments and its traceback
    (an exception's message may quote a database URL)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        if record.exc_info and not record.exc_text:  # formatters print exc_text when it is set
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
