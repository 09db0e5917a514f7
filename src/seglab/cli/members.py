"""``seglab member``: who has which role in a project (the CLI acts as the local admin)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from seglab.cli._common import JsonOption, print_json, workspace
from seglab.services import members
from seglab.services.permissions import roles_table
from seglab.store.users import PROJECT_ROLES

member_app = typer.Typer(help="Give users roles in projects, list and remove them.", no_args_is_help=True)
ProjectArgument = Annotated[str, typer.Argument(help="Project name, or id as #12.")]
UserArgument = Annotated[str, typer.Argument(help="User name.")]
ACTOR = "local"
"""Who the audit log says made the change: the CLI runs as the local admin."""


@member_app.command("add")
def add(
    project: ProjectArgument,
    user: UserArgument,
    role: Annotated[str, typer.Option("--role", help=f"One of {', '.join(PROJECT_ROLES)}.")] = "annotator",
    as_json: JsonOption = False,
) -> None:
    """Give a user a role in a project (or change the role they have there)."""
    with workspace(as_json) as ws:
        member = members.set_member(ws, project, user, role, actor=ACTOR)
    if as_json:
        print_json(member)
    else:
        typer.echo(f"{member.user.name} is now {member.role} of project #{member.project_id}")


@member_app.command("list")
def list_(project: ProjectArgument, as_json: JsonOption = False) -> None:
    """The project's members and their roles (workspace admins have every right without being listed)."""
    with workspace(as_json) as ws:
        found = members.list_members(ws, project)
    if as_json:
        print_json(found)
        return
    table = Table("user", "role")
    for member in found:
        table.add_row(member.user.name, member.role)
    Console().print(table)


@member_app.command("remove")
def remove(project: ProjectArgument, user: UserArgument, as_json: JsonOption = False) -> None:
    """Take a user's role in a project away."""
    with workspace(as_json) as ws:
        member = members.remove_member(ws, project, user, actor=ACTOR)
    if as_json:
        print_json(member)
    else:
        typer.echo(f"{member.user.name} is no longer {member.role} of project #{member.project_id}")


@member_app.command("roles")
def roles() -> None:
    """What each role may do (the table the server enforces)."""
    typer.echo(roles_table(), nl=False)
