"""The HTTP server: app API under ``/api/v1``, Roboflow-compatible routes, and (later) the web app."""

from seglab.server.app import create_app

__all__ = ["create_app"]
