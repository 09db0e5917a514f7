"""Where a project's finished jobs are announced: a webhook URL and email addresses (none: nobody is told)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from seglab.store._models import ProjectNotificationRow


@dataclass(frozen=True)
class NotificationTargets:
    webhook_url: str | None = None
    emails: list[str] = field(default_factory=list)


def get_targets(session: Session, project_id: int) -> NotificationTargets:
    row = session.get(ProjectNotificationRow, project_id)
    return NotificationTargets() if row is None else NotificationTargets(row.webhook_url, list(row.emails))


def set_targets(session: Session, project_id: int, targets: NotificationTargets) -> NotificationTargets:
    row = session.get(ProjectNotificationRow, project_id)
    if row is None:
        row = ProjectNotificationRow(project_id=project_id)
        session.add(row)
    row.webhook_url, row.emails = targets.webhook_url, list(targets.emails)
    session.flush()
    return get_targets(session, project_id)
