"""Where a project's finished jobs are announced: a webhook URL and email addresses (none: nobody is told)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from seglab.store._models import ProjectNotificationRow


@dataclass(frozen=True)
class NotificationTargets:
    webhook_url: str | None = None
    emails: list[str] = field(default_factory=list)
    signing_secret: str | None = field(default=None, repr=False)
    """The webhook's requests carry an HMAC-SHA256 of their body made with it (none: unsigned)."""


def get_targets(session: Session, project_id: int) -> NotificationTargets:
    row = session.get(ProjectNotificationRow, project_id)
    if row is None:
        return NotificationTargets()
    return NotificationTargets(row.webhook_url, list(row.emails), row.signing_secret)


def set_targets(session: Session, project_id: int, targets: NotificationTargets) -> NotificationTargets:
    row = session.get(ProjectNotificationRow, project_id)
    if row is None:
        row = ProjectNotificationRow(project_id=project_id)
        session.add(row)
    row.webhook_url, row.emails, row.signing_secret = targets.webhook_url, list(targets.emails), targets.signing_secret
    session.flush()
    return get_targets(session, project_id)
