"""``seglab user`` and ``seglab key`` (CliRunner, real SQLite), and ``seglab serve``'s refusal to serve a
non-loopback address without accounts (a real process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from typer.testing import CliRunner

from seglab.cli import app
from seglab.services import accounts, credentials, projects
from seglab.store import Workspace, users

runner = CliRunner()
PASSWORD = "correct horse battery"


def _json(*args: str, stdin: str | None = None) -> dict:
    result = runner.invoke(app, [*args, "--json"], input=stdin)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_user_create_with_roles_list_disable_and_set_password(seglab_home):
    ws = Workspace()
    try:
        project = projects.create_project(ws, "pets")
    finally:
        ws.close()
    made = _json("user", "create", "ann", "--role", "pets=annotator", "--password-stdin", stdin=PASSWORD + "\n")
    assert (made["name"], made["is_admin"], made["roles"]) == ("ann", False, {"pets": "annotator"})
    prompted = runner.invoke(app, ["user", "create", "root", "--admin"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert prompted.exit_code == 0, prompted.output
    assert PASSWORD not in prompted.output  # the prompt hides it
    assert [(u["name"], u["is_admin"]) for u in _json("user", "list")] == [("ann", False), ("root", True)]
    ws = Workspace()
    try:
        with ws.db.transaction() as session:
            assert users.member_role(session, project.id, made["id"]) == "annotator"
        assert accounts.authenticate_password(ws, "ann", PASSWORD) is not None
        _json("user", "set-password", "ann", "--password-stdin", stdin="another long one\n")
        assert accounts.authenticate_password(ws, "ann", "another long one") is not None
        assert _json("user", "disable", "ann")["disabled"] is True
        assert accounts.authenticate_password(ws, "ann", "another long one") is None
    finally:
        ws.close()


def test_user_create_refuses_bad_input_before_writing(seglab_home):
    short = runner.invoke(app, ["user", "create", "ann", "--password-stdin"], input="short\n")
    assert short.exit_code == 1
    assert "too short" in short.output
    role = runner.invoke(app, ["user", "create", "ann", "--role", "pets=owner", "--password-stdin"], input=PASSWORD)
    assert role.exit_code == 1
    assert "PROJECT=ROLE" in role.output
    assert _json("user", "list") == []


def test_key_create_shows_it_once_list_and_revoke(seglab_home):
    runner.invoke(app, ["user", "create", "ci", "--password-stdin"], input=PASSWORD)
    created = runner.invoke(app, ["key", "create", "--user", "ci", "--name", "deploy", "--scope", "inference"])
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip().splitlines()[0]
    assert secret.startswith("sgl_")
    listed = runner.invoke(app, ["key", "list", "--user", "ci"], env={"COLUMNS": "300"})
    assert secret not in listed.output
    assert secret[:12] in listed.output
    keys = _json("key", "list")
    assert [(k["user"], k["name"], k["scope"]) for k in keys] == [("ci", "deploy", "inference")]
    ws = Workspace()
    try:
        assert credentials.authenticate_key(ws, secret) is not None
        revoked = _json("key", "revoke", f"#{keys[0]['id']}")
        assert revoked["revoked_at"] is not None
        assert credentials.authenticate_key(ws, secret) is None
    finally:
        ws.close()
    assert _json("key", "list") == []
    bad = runner.invoke(app, ["key", "create", "--user", "ci", "--scope", "root"])
    assert bad.exit_code == 1


def test_serve_refuses_a_non_loopback_address_without_accounts(seglab_home):
    done = subprocess.run(
        [sys.executable, "-m", "seglab", "serve", "--host", "0.0.0.0", "--port", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ,
    )
    assert done.returncode == 1
    assert "seglab user create admin --admin" in done.stderr
