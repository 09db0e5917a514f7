"""The ``seglab`` command line: thin, it parses, calls services and prints.

``seglab --version`` alone is answered by :func:`main` before Typer and Click load (they are most of its time);
``app`` (the Typer application) loads on first use.
"""

import sys
import typing

from seglab._version import __version__
from seglab.lazy import lazy_attribute

if typing.TYPE_CHECKING:
    from seglab.cli.main import app

_EXPORTS = {"app": "seglab.cli.main"}


def main() -> None:
    """The ``seglab`` command (``python -m seglab`` too)."""
    if sys.argv[1:] == ["--version"]:  # as the option prints it (seglab.cli.main._print_version)
        print(f"seglab {__version__}")
        return
    from seglab.cli.main import main as run

    run()


def __getattr__(name: str) -> typing.Any:
    return lazy_attribute(__name__, _EXPORTS, name)


__all__ = ["app", "main"]
