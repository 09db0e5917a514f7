"""Every public package exports exactly what it lists, and everything listed exists (httpx's practice)."""

import importlib
import pkgutil
import re
from pathlib import Path

import click
import pytest
import typer.main

import seglab
from seglab.cli import app

PACKAGES = [
    "seglab",
    "seglab.geometry",
    "seglab.core",
    "seglab.formats",
    "seglab.store",
    "seglab.versions",
    "seglab.jobs",
    "seglab.models",
    "seglab.training",
    "seglab.evaluation",
    "seglab.assist",
    "seglab.workflows",
    "seglab.agent",
    "seglab.services",
    "seglab.facade",
    "seglab.server",
    "seglab.cli",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_names_exist_and_are_complete(name):
    module = importlib.import_module(name)
    exported = set(module.__all__)
    assert all(hasattr(module, item) for item in exported)
    public = {
        attribute
        for attribute, value in vars(module).items()
        if not attribute.startswith("_")
        and not isinstance(value, type(module))
        and getattr(value, "__module__", name).startswith(name)
    }
    assert public <= exported, f"{name} exposes names missing from __all__: {sorted(public - exported)}"


def test_every_subpackage_is_listed_here():
    found = {f"seglab.{m.name}" for m in pkgutil.iter_modules(seglab.__path__) if m.ispkg}
    assert found <= set(PACKAGES)


def test_every_cli_command_is_documented_in_the_readme():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    documented = set(re.findall(r"`seglab (\w[\w-]*)", readme))
    root = typer.main.get_command(app)
    assert isinstance(root, click.Group)
    commands = set(root.list_commands(click.Context(root)))
    assert {"serve", "import", "project", "predict"} <= commands
    assert commands <= documented, f"undocumented commands: {sorted(commands - documented)}"
