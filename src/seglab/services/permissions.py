"""What each role may do: one table (action → roles), and the decision for a principal.

Roles are per project (``admin``, ``reviewer``, ``annotator``, ``viewer``: ``store.users.PROJECT_ROLES``); workspace
admins (``User.is_admin``, and the local admin of the CLI and of single-user mode) may do everything; an API key of
scope ``inference`` (a deploy key) may only run models (``model.infer``), in the projects its user may.

An action is about a project (the route names it, or something in it: an image, an annotation, a class, a version, a
model, a job) or about the workspace (lists, workflows, the user list). For a project action the caller's role is
their role in that project; someone with no role there is told the project does not exist (404: a project's name
is not leaked to people not given it). For a workspace action the caller's roles are all the roles they hold in any
project, plus ``user`` (any signed-in account). A pretrained model is in no project: it belongs to the workspace, and
an action on one is decided as a workspace action (anyone who may run models in some project may run it). The
README's roles table is generated from :data:`ACTIONS`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from seglab.errors import ForbiddenError, NotFoundError
from seglab.services.accounts import Principal
from seglab.store import Workspace, users
from seglab.store.access import job_owner, project_id_of

Scope = Literal["project", "workspace"]
Located = Literal["project", "image", "annotation", "category", "version", "model", "job", "annotation_job"]

ADMIN, REVIEWER, ANNOTATOR, VIEWER = users.PROJECT_ROLES
USER = "user"
"""Any signed-in account (for workspace actions, such as listing the projects one was given)."""
OWNER = "owner"
"""Who submitted a job (for actions on a job)."""
INFERENCE = "inference"
"""The deploy-key scope: such a key may do only the actions whose rule lists it (and only where its user may)."""

_MEMBERS = (ADMIN, REVIEWER, ANNOTATOR, VIEWER)
_EDITORS = (ADMIN, REVIEWER, ANNOTATOR)


@dataclass(frozen=True)
class Rule:
    scope: Scope
    roles: frozenset[str]
    meaning: str


def _rule(scope: Scope, roles: Iterable[str], meaning: str) -> Rule:
    return Rule(scope, frozenset(roles), meaning)


ACTIONS: dict[str, Rule] = {
    # a project and what is in it
    "project.read": _rule("project", _MEMBERS, "see the project: images, annotations, classes, statistics, history"),
    "project.rename": _rule("project", [ADMIN], "rename the project"),
    "project.delete": _rule("project", [ADMIN], "delete the project with everything in it"),
    "category.manage": _rule("project", [ADMIN], "add, rename, recolour, merge and delete classes"),
    "image.upload": _rule("project", [ADMIN, ANNOTATOR], "upload images, archives and videos"),
    "image.update": _rule("project", _EDITORS, "change images' split, status and tags"),
    "image.delete": _rule("project", [ADMIN], "delete images with their annotations"),
    "annotation.write": _rule("project", _EDITORS, "draw, edit, delete, undo; Smart Polygon, label assist, Rapid"),
    "dataset.import": _rule(
        "project", [ADMIN], "import a dataset: uploaded (an archive, a folder or files) or from the server's disk"
    ),
    "dataset.export": _rule("project", [ADMIN], "export the project or a version to a folder on the server"),
    "export.download": _rule("project", _EDITORS, "download the project or a version as a zip"),
    "version.read": _rule("project", _MEMBERS, "see versions"),
    "version.create": _rule("project", [ADMIN], "preview recipes and generate versions"),
    "model.read": _rule("project", _MEMBERS, "see trained models and their evaluations"),
    "model.train": _rule("project", [ADMIN], "train, resume training, evaluate"),
    "model.infer": _rule("project", [*_MEMBERS, INFERENCE], "run a model (inference API, workflows, the deploy page)"),
    "job.read": _rule("project", [*_MEMBERS, OWNER], "follow the project's background jobs"),
    "job.cancel": _rule("project", [ADMIN, OWNER], "cancel a job"),
    "members.manage": _rule("project", [ADMIN], "see and change who has which role in the project"),
    "notifications.manage": _rule("project", [ADMIN], "see and set where finished jobs are announced (webhook, email)"),
    "review.manage": _rule("project", [ADMIN], "create, reassign and delete annotation jobs; see who may be given one"),
    "review.submit": _rule("project", _EDITORS, "submit images for review (the job's annotator)"),
    "review.approve": _rule("project", [ADMIN, REVIEWER], "approve or reject images in review (the job's reviewer)"),
    # the workspace
    "workspace.read": _rule(
        "workspace", [USER, *_MEMBERS], "list one's projects, models and jobs; formats, architectures, blocks"
    ),
    "project.create": _rule("workspace", [], "create a project (workspace admins only)"),
    "workflow.read": _rule("workspace", _MEMBERS, "see saved workflows and the agent's conversations; validate"),
    "workflow.run": _rule("workspace", _MEMBERS, "run a workflow (each model step checks model.infer)"),
    "workflow.manage": _rule("workspace", _EDITORS, "save and delete workflows; plan with the agent"),
    "models.unload": _rule("workspace", [*_MEMBERS, INFERENCE], "see loaded models, unload them (Roboflow's API)"),
    "account.manage": _rule("workspace", [USER, *_MEMBERS], "one's own API keys and password"),
    "user.manage": _rule("workspace", [], "create, disable and reset users (workspace admins only)"),
    "audit.read": _rule("workspace", [], "read the audit log (workspace admins only)"),
}
"""Every action a route may require, with the roles that may do it (workspace admins may do everything)."""

ROLE_COLUMNS = (ADMIN, REVIEWER, ANNOTATOR, VIEWER, INFERENCE)


def rule(action: str) -> Rule:
    try:
        return ACTIONS[action]
    except KeyError:
        raise KeyError(f"unknown action {action!r}: add it to seglab.services.permissions.ACTIONS") from None


def allows(principal: Principal, action: str, roles: Iterable[str]) -> bool:
    """Whether ``principal``, holding ``roles`` where the action applies, may do ``action``."""
    allowed = rule(action).roles
    if principal.scope == INFERENCE:
        return INFERENCE in allowed and (principal.is_admin or any(r in allowed for r in roles))
    return principal.is_admin or any(r in allowed for r in roles)


def permitted_actions(principal: Principal, role: str | None, scope: Scope = "project") -> list[str]:
    """The actions of ``scope`` the principal may do holding ``role`` (for the web app to hide what it may not)."""
    roles = [role] if role else []
    return [name for name, found in ACTIONS.items() if found.scope == scope and allows(principal, name, roles)]


@dataclass(frozen=True)
class Access:
    """A decision that allowed the call: who, what, in which project, as which role (``admin`` for workspace
    admins), and which projects they may see (``None``: all)."""

    principal: Principal
    action: str
    project_id: int | None
    role: str | None
    visible_projects: frozenset[int] | None


def workspace_actions(ws: Workspace, principal: Principal) -> list[str]:
    """The workspace actions the principal may do (for the web app to hide what it would refuse), decided as
    :func:`authorize` decides them: from ``user`` and every role they hold in any project."""
    held = _workspace_roles(principal, project_roles(ws, principal))
    return [name for name, found in ACTIONS.items() if found.scope == "workspace" and allows(principal, name, held)]


def _workspace_roles(principal: Principal, roles_by_project: dict[int, str] | None) -> set[str]:
    """The roles a workspace action is decided on: ``user`` for any account, and every role held in any project."""
    held = {USER} if principal.user_id is not None or principal.is_admin else set()
    return held | set((roles_by_project or {}).values())


def role_in(ws: Workspace, principal: Principal, project_id: int) -> str | None:
    """The principal's role in the project: ``admin`` for workspace admins, else their membership (or ``None``)."""
    if principal.is_admin:
        return ADMIN
    if principal.user_id is None:
        return None
    with ws.db.transaction() as session:
        return users.member_role(session, project_id, principal.user_id)


def project_roles(ws: Workspace, principal: Principal) -> dict[int, str] | None:
    """The principal's role in each project they were given; ``None`` for workspace admins (every project)."""
    if principal.is_admin:
        return None
    if principal.user_id is None:
        return {}
    with ws.db.transaction() as session:
        return users.roles_of(session, principal.user_id)


def locate(ws: Workspace, kind: Located, reference: int | str) -> tuple[int | None, str | None]:
    """The project (id and owner, for a job) of ``kind`` ``reference``; a missing thing is a ``NotFoundError``.
    A pretrained model's name is in no project, whether or not the workspace holds it yet (using it adds it)."""
    if kind == "model":
        # imported here: the models package loads OpenCV and NumPy, which the server must not need before /healthz
        from seglab.models.pretrained import is_pretrained_name

        if is_pretrained_name(reference):
            return None, None
    with ws.db.transaction() as session:
        project_id = project_id_of(session, kind, reference)
        return project_id, job_owner(session, int(reference)) if kind == "job" else None


def same_project(ws: Workspace, project_id: int | None, kind: Located, references: Iterable[int]) -> list[int]:
    """The ``references`` that are in project ``project_id`` (others, missing or elsewhere, are left out)."""
    with ws.db.transaction() as session:
        kept = []
        for reference in references:
            try:
                if project_id_of(session, kind, reference) == project_id:
                    kept.append(reference)
            except NotFoundError:
                continue
        return kept


def authorize(
    ws: Workspace, principal: Principal, action: str, located: tuple[Located, int | str] | None = None
) -> Access:
    """Decide ``action`` for ``principal`` on the thing ``located`` names (a project action) or on the workspace.

    Refusals: 404 for a project the principal has no role in (as if it did not exist), 403 for a role that does not
    allow the action (the message names the role and the action)."""
    found = rule(action)
    roles_by_project = project_roles(ws, principal)
    visible = None if roles_by_project is None else frozenset(roles_by_project)
    if found.scope == "workspace" or located is None:
        if not allows(principal, action, _workspace_roles(principal, roles_by_project)):
            raise ForbiddenError(
                f"{principal.name!r} may not {action} (allowed: {_who(found)})", action=action, user=principal.name
            )
        return Access(principal, action, None, ADMIN if principal.is_admin else None, visible)
    kind, reference = located
    if principal.is_admin:  # allowed everything: what does not exist is for the route to report, in its own words
        if not allows(principal, action, {ADMIN}):
            raise ForbiddenError(f"{principal.name!r} may not {action} with this key (allowed: {_who(found)})")
        try:
            return Access(principal, action, locate(ws, kind, reference)[0], ADMIN, None)
        except NotFoundError:
            return Access(principal, action, None, ADMIN, None)
    project_id, owner = locate(ws, kind, reference)
    if kind == "model" and project_id is None:  # a pretrained model: the workspace's
        return authorize(ws, principal, action, None)
    role = (roles_by_project or {}).get(project_id) if project_id else None
    held = {role} if role else set()
    if owner is not None and owner == principal.name:
        held.add(OWNER)
    if not held:
        raise NotFoundError(_not_found(kind, reference), **{kind: str(reference)[:80]})
    if not allows(principal, action, held):
        what = f"{role} of project #{project_id}" if role else f"owner of {kind} {reference}"
        raise ForbiddenError(
            f"{principal.name!r} ({what}) may not {action} (allowed: {_who(found)})",
            action=action,
            user=principal.name,
            role=role,
        )
    return Access(principal, action, project_id, role, visible)


def _not_found(kind: str, reference: int | str) -> str:
    text = str(reference)[:80]
    return f"project {text!r} does not exist" if kind == "project" else f"{kind} {text} does not exist"


def _who(found: Rule) -> str:
    named = [r for r in ROLE_COLUMNS if r in found.roles]
    return ", ".join(["workspace admins", *named]) if named else "workspace admins"


def roles_table() -> str:
    """The README's roles table (Markdown), from :data:`ACTIONS`: ✓ where a role may do the action."""
    head = ["Action", "Scope", "admin", "reviewer", "annotator", "viewer", "deploy key", "What it allows"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * len(head)) + "|"]
    for name, found in ACTIONS.items():
        marks = ["✓" if role in found.roles else "" for role in ROLE_COLUMNS]
        extra = [f"also {who}" for who, role in (("any user", USER), ("the job's owner", OWNER)) if role in found.roles]
        meaning = found.meaning + (f" ({', '.join(extra)})" if extra else "")
        lines.append("| " + " | ".join([f"`{name}`", found.scope, *marks, meaning]) + " |")
    return "\n".join(lines) + "\n"
