from ..server.conftest import live_server  # noqa: F401  (the same live `seglab serve` the API tests use)
