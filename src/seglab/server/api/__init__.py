"""The app API under ``/api/v1``: what the web app (and any script) uses. The router is assembled in
:mod:`seglab.server.api.routes`; this package imports nothing, so its light modules (``_access``, ``_deps``) load
without every route module (``seglab serve`` answers ``/healthz`` before it imports them)."""

PREFIX = "/api/v1"

__all__ = ["PREFIX"]
