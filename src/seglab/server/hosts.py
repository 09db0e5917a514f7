"""Which ``Host`` names the server answers (against DNS rebinding) and which proxies it believes.

A page on ``evil.example`` whose name is re-pointed at 127.0.0.1 reaches a loopback server from the victim's
browser as same-origin; its requests still carry ``Host: evil.example``, which is refused here (400).
"""

from __future__ import annotations

from seglab.server.auth import is_loopback, is_wildcard
from seglab.settings import Settings

DEFAULT_NAMES = ("localhost", "127.0.0.1", "[::1]", "testserver")
"""The loopback names, and Starlette's TestClient's host: a single-label name no outside page can make a browser
resolve to this machine."""


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def allowed_hosts(settings: Settings) -> list[str]:
    """``SEGLAB_ALLOWED_HOSTS`` when set; else the loopback names, plus the bound address when it is a specific
    one; bound to every interface (``0.0.0.0``, ``::``) without the setting: any host (``serve`` warns)."""
    if settings.allowed_hosts:
        return [_bracketed(name.strip()).lower() for name in settings.allowed_hosts.split(",") if name.strip()]
    if is_wildcard(settings.host):
        return ["*"]
    names = list(DEFAULT_NAMES)
    if not is_loopback(settings.host):
        names.append(_bracketed(settings.host).lower())
    return names


def trusted_proxies(settings: Settings) -> list[str]:
    return [address.strip() for address in settings.trusted_proxies.split(",") if address.strip()]
