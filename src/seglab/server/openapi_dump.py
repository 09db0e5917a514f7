"""Write the app API's OpenAPI schema to a file without starting a server: the web build generates its TypeScript
types from it (``python -m seglab.server.openapi_dump web/src/generated/openapi.json``), so the browser code and the
server's pydantic models cannot drift apart unnoticed."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from seglab.server.app import create_app
from seglab.settings import Settings


def openapi_schema() -> dict[str, object]:
    """The schema of an app built on a throwaway home and database (whatever ``SEGLAB_*`` says), so dumping it never
    touches anyone's data."""
    with tempfile.TemporaryDirectory(prefix="seglab-openapi-") as folder:
        home = Path(folder)
        settings = Settings(
            home=home, database_url=f"sqlite:///{home / 'seglab.db'}", blob_url=(home / "blobs").as_uri(), workers=0
        )
        app = create_app(settings)
        try:
            return app.openapi()
        finally:
            app.state.workspace.close()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m seglab.server.openapi_dump OUT.json", file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(openapi_schema(), indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
