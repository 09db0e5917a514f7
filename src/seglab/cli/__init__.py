"""The ``seglab`` command line: thin, it parses, calls services and prints."""

from seglab.cli.main import app, main

__all__ = ["app", "main"]
