"""Where a project's finished jobs (training, version, evaluation, Rapid) are announced: a webhook, emails."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from seglab.server.api._access import requires
from seglab.server.api._deps import WorkspaceDep
from seglab.services import notifications
from seglab.store.notifications import NotificationTargets

router = APIRouter(tags=["projects"])


class NotificationsIn(BaseModel):
    webhook_url: str | None = Field(default=None, max_length=2000, description="POSTed a JSON notice per job end.")
    emails: list[str] = Field(default_factory=list, max_length=50, description="Emailed when SMTP is configured.")
    signing_secret: str | None = Field(
        default=None,
        max_length=200,
        description="Sign the webhook's requests with it (X-Seglab-Signature-256); omitted: kept; empty: removed.",
    )


class NotificationsOut(BaseModel):
    webhook_url: str | None
    emails: list[str]
    signed: bool
    """Whether the webhook's requests are signed (the secret itself is never shown again)."""

    @classmethod
    def of(cls, targets: NotificationTargets) -> NotificationsOut:
        return cls(webhook_url=targets.webhook_url, emails=targets.emails, signed=bool(targets.signing_secret))


@router.get(
    "/projects/{project}/notifications",
    response_model=NotificationsOut,
    dependencies=[requires("notifications.manage")],
)
def get_notifications(project: str, ws: WorkspaceDep) -> NotificationsOut:
    return NotificationsOut.of(notifications.notification_targets(ws, project))


@router.put(
    "/projects/{project}/notifications",
    response_model=NotificationsOut,
    dependencies=[requires("notifications.manage")],
    summary="Announce the project's finished training, version, evaluation and Rapid jobs",
)
def set_notifications(project: str, body: NotificationsIn, ws: WorkspaceDep) -> NotificationsOut:
    targets = notifications.set_notification_targets(
        ws, project, webhook_url=body.webhook_url, emails=body.emails, signing_secret=body.signing_secret
    )
    return NotificationsOut.of(targets)
