"""Project names and ids never collide (issue 19): before, a project named ``1`` was shadowed by the project with
id 1, and ``seglab project delete 1`` deleted that other project."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from seglab.cli import app
from seglab.errors import InvalidInputError
from seglab.services import projects
from seglab.store._models import ProjectRow

runner = CliRunner()


def _legacy_project(ws, name: str) -> int:
    """A project stored before numeric names were refused (written straight to the table, as old data is)."""
    with ws.db.transaction() as session:
        row = ProjectRow(name=name, task="instance-segmentation")
        session.add(row)
        session.flush()
        return row.id


@pytest.mark.parametrize("name", ["1", "42", " 7 ", "#3"])
def test_numeric_project_names_are_refused(ws, name):
    with pytest.raises(InvalidInputError, match=r"is a number, which reads as a project id"):
        projects.create_project(ws, name)
    assert projects.list_projects(ws) == []


def test_overlong_project_names_are_refused(ws):
    with pytest.raises(InvalidInputError, match="project name is 201 characters, at most 200"):
        projects.create_project(ws, "x" * 201)
    assert projects.create_project(ws, "x" * 200).name == "x" * 200


def test_a_name_that_is_another_projects_id_is_ambiguous_never_the_wrong_project(ws):
    cats = projects.create_project(ws, "cats")
    named_one = _legacy_project(ws, "1")
    assert cats.id == 1
    assert named_one != 1
    with pytest.raises(InvalidInputError, match=r"'1' is ambiguous: it is the name of project #2 and the id of"):
        projects.get_project(ws, "1")
    assert projects.get_project(ws, "#1").name == "cats"
    assert projects.get_project(ws, f"#{named_one}").name == "1"
    assert projects.get_project(ws, 1).name == "cats"


def test_a_numeric_name_without_a_clash_resolves_to_that_project(ws):
    projects.create_project(ws, "cats")
    seven = _legacy_project(ws, "7")
    assert projects.get_project(ws, "7").id == seven
    assert projects.get_project(ws, "1").name == "cats"  # a bare id still works where no name is that number


def test_cli_delete_refuses_an_ambiguous_reference_and_names_what_it_deleted(ws):
    projects.create_project(ws, "cats")
    _legacy_project(ws, "1")
    refused = runner.invoke(app, ["project", "delete", "1", "--yes"])
    assert refused.exit_code != 0
    assert "ambiguous" in refused.output
    assert sorted(p.name for p in projects.list_projects(ws)) == ["1", "cats"]  # nothing deleted
    deleted = runner.invoke(app, ["project", "delete", "#1", "--yes"])
    assert deleted.exit_code == 0, deleted.output
    assert deleted.output.strip() == "deleted project 'cats' (#1)"
    assert [p.name for p in projects.list_projects(ws)] == ["1"]
