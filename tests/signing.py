"""Signing a test client's requests as a user, through a real API key (so authentication and the roles table both
run, as for any client), instead of overriding who the server thinks is calling."""

from __future__ import annotations

from fastapi.testclient import TestClient

from seglab.services import credentials


def signed_in(client: TestClient, name: str, *, scope: str = "full") -> TestClient:
    """``client``, its requests from now on signed as user ``name`` (who must exist) with a new API key of theirs."""
    ws = client.app.state.workspace  # type: ignore[attr-defined]
    client.headers["Authorization"] = f"Bearer {credentials.create_key(ws, name, scope=scope).secret}"
    return client
