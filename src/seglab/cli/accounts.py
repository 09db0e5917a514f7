"""``seglab user`` and ``seglab key``: accounts and API keys, managed by whoever can run the CLI on the server (the
local admin: they can read the database file anyway).

Passwords are asked twice at a hidden prompt, or read from standard input (``--password-stdin``, for scripts);
there is no default password and none on the command line (it would stay in the shell's history and ``ps``).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from seglab.cli._common import JsonOption, fail, print_json, workspace
from seglab.errors import InvalidInputError
from seglab.services import accounts, audit, credentials, projects
from seglab.store import Workspace, users

user_app = typer.Typer(help="Create, list and disable user accounts.", no_args_is_help=True)
key_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)

PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from the first line of standard input.")
]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.removesuffix("\n").removesuffix("\r")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


def _roles(ws: Workspace, pairs: list[str]) -> list[tuple[int, str, str]]:
    """``PROJECT=ROLE`` options as (project id, project name, role), checked before anything is written."""
    parsed = []
    for pair in pairs:
        project, sep, role = pair.rpartition("=")
        if not sep or not project or role not in users.PROJECT_ROLES:
            raise InvalidInputError(f"--role takes PROJECT=ROLE with ROLE one of {', '.join(users.PROJECT_ROLES)}")
        found = projects.get_project(ws, project)
        parsed.append((found.id, found.name, role))
    return parsed


def _audit(ws: Workspace, action: str, target: str, detail: dict[str, object] | None = None) -> None:
    audit.record_alone(ws, "local", action, target, **(detail or {}))


@user_app.command("create")
def create_user(
    name: Annotated[str, typer.Argument(help="Sign-in name: letters, digits, '.', '_', '@', '-'.")],
    admin: Annotated[bool, typer.Option("--admin", help="A workspace admin: may do everything everywhere.")] = False,
    role: Annotated[
        list[str] | None, typer.Option("--role", help="PROJECT=ROLE (admin, reviewer, annotator, viewer); repeat.")
    ] = None,
    password_stdin: PasswordStdin = False,
    as_json: JsonOption = False,
) -> None:
    """Create a user with a password (asked twice, hidden)."""
    with workspace(as_json) as ws:
        roles = _roles(ws, role or [])
        users.check_user_name(name)
        password = accounts.check_password(_password(password_stdin))
        user = accounts.create_user(
            ws,
            name,
            password,
            admin=admin,
            roles={f"#{project_id}": project_role for project_id, _, project_role in roles},
        )
        audit.record_alone(ws, "local", "user.create", name, admin=admin, roles=[r for *_, r in roles])
    given = {project_name: project_role for _, project_name, project_role in roles}
    if as_json:
        print_json({**user.__dict__, "roles": given})
        return
    kind = "admin" if admin else "user"
    extra = "".join(f", {r} in {p!r}" for p, r in given.items())
    typer.echo(f"created {kind} {user.name!r} (#{user.id}){extra}")


@user_app.command("list")
def list_users(as_json: JsonOption = False) -> None:
    """List users (disabled ones too)."""
    with workspace(as_json) as ws:
        found = accounts.list_users(ws)
    if as_json:
        print_json(found)
        return
    table = Table("id", "name", "admin", "disabled", "created")
    for user in found:
        table.add_row(
            f"#{user.id}",
            user.name,
            "yes" if user.is_admin else "",
            "yes" if user.disabled else "",
            f"{user.created_at:%Y-%m-%d %H:%M}",
        )
    Console().print(table)


@user_app.command("disable")
def disable_user(
    name: Annotated[str, typer.Argument(help="The user.")],
    enable: Annotated[bool, typer.Option("--enable", help="Enable the user again instead.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Disable a user: their sessions and API keys stop working at once; their history stays."""
    with workspace(as_json) as ws:
        user = accounts.set_disabled(ws, name, not enable)
        if not enable:
            credentials.end_sessions_of(ws, name)
        _audit(ws, "user.enable" if enable else "user.disable", name)
    if as_json:
        print_json(user)
    else:
        typer.echo(f"{'enabled' if enable else 'disabled'} user {user.name!r}")


@user_app.command("set-password")
def set_password(
    name: Annotated[str, typer.Argument(help="The user.")],
    password_stdin: PasswordStdin = False,
    as_json: JsonOption = False,
) -> None:
    """Set a user's password (asked twice, hidden); signs them out of every browser."""
    with workspace(as_json) as ws:
        accounts.get_user(ws, name)  # an unknown name fails before the prompt
        user = accounts.set_password(ws, name, _password(password_stdin))
        credentials.end_sessions_of(ws, name)
        _audit(ws, "user.password", name)
    if as_json:
        print_json(user)
    else:
        typer.echo(f"set the password of {user.name!r}")


@key_app.command("create")
def create_key(
    user: Annotated[str, typer.Option("--user", help="Whose key: it acts as them.")],
    name: Annotated[str, typer.Option("--name", help="What the key is for (shown in lists).")] = "",
    scope: Annotated[
        str, typer.Option("--scope", help="full (everything the user may do) or inference (a deploy key).")
    ] = "full",
    as_json: JsonOption = False,
) -> None:
    """Create an API key and print it: it is shown this once, only its hash is kept."""
    with workspace(as_json) as ws:
        created = credentials.create_key(ws, user, name=name, scope=scope)
        _audit(ws, "key.create", created.key.prefix, {"user": user, "scope": scope, "name": name})
    if as_json:
        print_json({"key": created.key, "secret": created.secret})
        return
    typer.echo(created.secret)
    typer.echo(f"API key #{created.key.id} ({scope}) for {user!r}: copy it now, it is not shown again", err=True)


@key_app.command("list")
def list_keys(
    user: Annotated[str | None, typer.Option("--user", help="Only this user's keys.")] = None,
    revoked: Annotated[bool, typer.Option("--revoked", help="Include revoked keys.")] = False,
    as_json: JsonOption = False,
) -> None:
    """List API keys (their prefixes, never the keys)."""
    with workspace(as_json) as ws:
        found = credentials.list_keys(ws, user, include_revoked=revoked)
    if as_json:
        print_json(found)
        return
    table = Table("id", "user", "name", "prefix", "scope", "created", "last used", "revoked")
    for key in found:
        table.add_row(
            f"#{key.id}",
            key.user,
            key.name,
            key.prefix,
            key.scope,
            f"{key.created_at:%Y-%m-%d %H:%M}",
            f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "",
            f"{key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "",
        )
    Console().print(table)


@key_app.command("revoke")
def revoke_key(
    key_id: Annotated[str, typer.Argument(help="The key's id (as #3 or 3).")],
    as_json: JsonOption = False,
) -> None:
    """Revoke an API key: the next request with it is refused."""
    number = key_id.removeprefix("#")
    if not number.isdigit():
        fail(f"a key id is a number, got {key_id!r}", as_json, code="invalid_input")
    with workspace(as_json) as ws:
        key = credentials.revoke_key(ws, int(number))
        _audit(ws, "key.revoke", key.prefix)
    if as_json:
        print_json(key)
    else:
        typer.echo(f"revoked API key #{key.id} ({key.prefix}) of {key.user!r}")
