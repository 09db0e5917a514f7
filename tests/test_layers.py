"""The layers keep their promise: only ``seglab.services`` opens transactions, and what the code base once said
several times (the progress callback, matching classes by name, storing proposals) it now says once.

These read the source (Python's ``ast``), so they fail on a transaction opened anywhere, however it is imported;
import-linter (``make lint``) checks the same from the import graph.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

import seglab

SOURCE = Path(seglab.__file__).parent
PURE = ("versions", "models", "assist", "training", "evaluation", "workflows", "jobs", "agent", "formats", "core")
"""Layers below ``services``: functions of their inputs, which never read or write the database."""
DATA_ACCESS = {
    "annotations",
    "conversations",
    "images",
    "jobs",
    "models",
    "projects",
    "statistics",
    "versions",
    "workflows",
    "workspace",
    "_database",
}
"""``seglab.store``'s modules that take a session: the data access only services call."""


def _modules(*packages: str) -> list[Path]:
    return sorted(path for package in packages for path in (SOURCE / package).rglob("*.py"))


def _name(path: Path) -> str:
    return ".".join(path.relative_to(SOURCE.parent).with_suffix("").parts)


@cache
def _tree(path: Path) -> ast.Module:
    """The module's syntax tree, parsed once per test process (every check below reads every module)."""
    return ast.parse(path.read_text(), filename=str(path))


def _store_imports(tree: ast.Module) -> list[str]:
    """What a module takes from the database side of ``seglab.store`` (and sqlalchemy itself)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.split(".")[0] == "sqlalchemy"]
            found += [
                alias.name
                for alias in node.names
                if alias.name.startswith("seglab.store.") and alias.name.split(".")[2] in DATA_ACCESS
            ]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] == "sqlalchemy":
                found.append(node.module)
            elif node.module == "seglab.store":
                # records and codecs are data; Workspace/Database and the data-access modules reach the database
                found += [
                    f"seglab.store.{a.name}" for a in node.names if a.name in DATA_ACCESS | {"Workspace", "Database"}
                ]
            elif node.module.startswith("seglab.store.") and node.module.split(".")[2] in DATA_ACCESS:
                # from a data-access module only its record types (classes), never its functions
                found += [f"{node.module}.{a.name}" for a in node.names if not a.name[:1].isupper()]
                found += [f"{node.module}.{a.name}" for a in node.names if a.name in ("Workspace", "Database")]
    return found


@pytest.mark.parametrize("path", _modules(*PURE), ids=_name)
def test_lower_layers_never_reach_the_database(path):
    assert _store_imports(_tree(path)) == []


def _transactions(tree: ast.Module) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "transaction"
    ]


def test_only_services_open_transactions():
    opened = {
        _name(path): lines
        for path in sorted(SOURCE.rglob("*.py"))
        if path.relative_to(SOURCE).parts[0] not in ("services", "store") and (lines := _transactions(_tree(path)))
    }
    assert opened == {}, f"transactions opened outside seglab.services (module: lines): {opened}"


def test_the_rule_catches_a_transaction_and_a_workspace():
    """The scanners above see what they are for (so that a passing test means something)."""
    tree = ast.parse(
        "from seglab.store import Workspace, NewAnnotation\n"
        "from seglab.store.images import get_image, ImageFilter\n"
        "def f(ws):\n    with ws.db.transaction() as session:\n        return get_image(session, 1)\n"
    )
    assert _store_imports(tree) == ["seglab.store.Workspace", "seglab.store.images.get_image"]
    assert _transactions(tree) == [4]


def _definitions(source: str) -> list[str]:
    """Modules that bind a name to ``source`` (an alias such as ``Progress = Callable[[int, int], None]``)."""
    kind = type(ast.parse(source, mode="eval").body)  # unparse only values of that kind (unparsing all is slow)
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        for node in ast.walk(_tree(path)):
            value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
            if isinstance(value, kind) and ast.unparse(value) == source:
                found.append(_name(path))
    return found


def test_the_progress_callback_is_defined_once_in_core():
    assert _definitions("Callable[[int, int], None]") == ["seglab.core._progress"]


def _calls(function: str) -> set[str]:
    return {
        _name(path)
        for path in sorted(SOURCE.rglob("*.py"))
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Attribute) and node.func.attr == function)
            or (isinstance(node.func, ast.Name) and node.func.id == function)
        )
    }


def test_classes_are_matched_by_name_one_way():
    """``casefold`` (matching names ignoring case) appears in one function, which everyone calls."""
    folding = {_name(path) for path in sorted(SOURCE.rglob("*.py")) if ".casefold()" in path.read_text()}
    assert folding == {"seglab.core._category"}
    assert {
        "seglab.services.inference",
        "seglab.services.autolabel",
        "seglab.services.workflows",
        "seglab.services.transfer",
        "seglab.services.evaluation",
    } <= _calls("match_categories")


def test_proposals_are_stored_one_way_in_bulk():
    """One annotation at a time is for a person's edit; a model's proposals go through ``store_proposals``."""
    assert _calls("create_annotation") <= {"seglab.services.annotations", "seglab.server.api.annotations"}
    assert _calls("store_proposals") == {
        "seglab.services.inference",
        "seglab.services.autolabel",
        "seglab.services.workflows",
        "seglab.services.error_analysis",
    }
