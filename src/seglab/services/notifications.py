"""Telling people a long job ended: when a training, version, evaluation or Rapid job finishes (however it ends),
its project's webhook receives a JSON POST and, with an SMTP server configured, its addresses an email, each with
the job's metrics and a link to the page that shows the result. Hours of training should not end in silence.

A notification that cannot be delivered (the webhook down, the mail server refusing) is logged and dropped: it
never fails or delays the job beyond its timeout.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from seglab.errors import InvalidInputError
from seglab.store import Workspace, projects
from seglab.store.jobs import Job
from seglab.store.notifications import NotificationTargets, get_targets, set_targets
from seglab.tls import ssl_context

logger = logging.getLogger("seglab.notifications")

NOTIFIED_KINDS = {
    "model.train": "training",
    "version.create": "version",
    "model.evaluate": "evaluation",
    "assist.autolabel": "Rapid",
}
"""The job kinds people wait for, and what a message calls them."""
TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class JobNotice:
    """What a webhook receives (as JSON) and what an email says."""

    event: str
    """``job.finished``."""
    job_id: int
    kind: str
    title: str
    status: str
    project: str | None
    metrics: dict[str, Any]
    error: str | None
    link: str


def notification_targets(ws: Workspace, project: int | str) -> NotificationTargets:
    with ws.db.transaction() as session:
        return get_targets(session, projects.get_project(session, project).id)


def set_notification_targets(
    ws: Workspace,
    project: int | str,
    *,
    webhook_url: str | None,
    emails: list[str],
    signing_secret: str | None = None,
) -> NotificationTargets:
    """Where ``project``'s finished jobs are announced (``webhook_url`` None and no ``emails``: nowhere).
    ``signing_secret`` None keeps the one set before, ``""`` removes it."""
    if webhook_url:
        parts = urlsplit(webhook_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InvalidInputError(f"webhook_url must be an http(s) URL, got {webhook_url!r}", field="webhook_url")
    cleaned = [address.strip() for address in emails if address.strip()]
    for address in cleaned:
        if "@" not in address or any(c.isspace() for c in address):
            raise InvalidInputError(f"not an email address: {address!r}", field="emails")
    with ws.db.transaction() as session:
        project_id = projects.get_project(session, project).id
        secret = get_targets(session, project_id).signing_secret if signing_secret is None else signing_secret
        return set_targets(session, project_id, NotificationTargets(webhook_url or None, cleaned, secret or None))


def _link(ws: Workspace, job: Job, project: str | None) -> str:
    base = (ws.settings.public_url or f"http://{ws.settings.host}:{ws.settings.port}").rstrip("/")
    if project is None:
        return base
    page = f"{base}/projects/{quote(project, safe='')}"
    model_id = (job.result or {}).get("model_id") or job.params.get("model_id")
    if job.kind in ("model.train", "model.evaluate") and model_id is not None:
        return f"{page}/train?model={model_id}"
    return page + {"version.create": "/versions", "assist.autolabel": "/rapid"}.get(job.kind, "/jobs")


def _metrics(job: Job) -> dict[str, Any]:
    """The numbers of the result worth reading in a message (nested metrics flattened one level)."""
    found: dict[str, Any] = {}
    for key, value in (job.result or {}).items():
        if isinstance(value, dict) and key == "metrics":
            found.update({k: v for k, v in value.items() if isinstance(v, int | float)})
        elif isinstance(value, int | float | str) and key != "output_dir":
            found[key] = value
    return found


def notice_of(ws: Workspace, job: Job) -> JobNotice:
    project = None
    if job.project_id is not None:
        with ws.db.transaction() as session:
            project = projects.get_project(session, job.project_id).name
    title = NOTIFIED_KINDS.get(job.kind, job.kind)
    return JobNotice(
        "job.finished",
        job.id,
        job.kind,
        title,
        job.status.value,
        project,
        _metrics(job),
        job.error,
        _link(ws, job, project),
    )


def job_ended(ws: Workspace, job: Job) -> None:
    """Announce ``job``'s end to its project's targets, if it is of a kind people wait for; never raises."""
    if job.kind not in NOTIFIED_KINDS or job.project_id is None:
        return
    try:
        with ws.db.transaction() as session:
            targets = get_targets(session, job.project_id)
        if not targets.webhook_url and not targets.emails:
            return
        notice = notice_of(ws, job)
    except Exception:
        logger.exception("could not prepare the notification of job %s", job.id)
        return
    if targets.webhook_url:
        try:
            post_webhook(targets.webhook_url, notice, targets.signing_secret)
        except Exception as failure:
            logger.warning("webhook %s for job %s failed: %s", targets.webhook_url, job.id, failure)
    if targets.emails and ws.settings.smtp_host:
        try:
            send_email(ws, targets.emails, notice)
        except Exception as failure:
            logger.warning("email about job %s to %s failed: %s", job.id, ", ".join(targets.emails), failure)


SIGNATURE_HEADER = "X-Seglab-Signature-256"


def signature(secret: str, body: bytes) -> str:
    """``sha256=`` and the hex HMAC-SHA256 of ``body``: what the receiver recomputes with the shared secret (as
    GitHub signs its webhooks)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_webhook(url: str, notice: JobNotice, secret: str | None = None) -> None:
    body = json.dumps(asdict(notice)).encode()
    headers = {"Content-Type": "application/json", "User-Agent": "seglab-notifications"}
    if secret:
        headers[SIGNATURE_HEADER] = signature(secret, body)
    response = httpx.post(
        url, content=body, headers=headers, timeout=TIMEOUT_SECONDS, follow_redirects=False, verify=ssl_context()
    )
    response.raise_for_status()


def email_message(sender: str, to: list[str], notice: JobNotice) -> EmailMessage:
    message = EmailMessage()
    where = f" in {notice.project}" if notice.project else ""
    message["Subject"] = f"seglab: {notice.title} job {notice.job_id}{where} {notice.status}"
    message["From"], message["To"] = sender, ", ".join(to)
    lines = [f"The {notice.title} job {notice.job_id}{where} ended: {notice.status}.", ""]
    lines += [
        f"{name}: {value:.4f}" if isinstance(value, float) else f"{name}: {value}"
        for name, value in notice.metrics.items()
    ]
    if notice.error:
        lines += ["", "Error:", notice.error.splitlines()[0]]
    lines += ["", f"See it at {notice.link}"]
    message.set_content("\n".join(lines) + "\n")
    return message


def send_email(ws: Workspace, to: list[str], notice: JobNotice) -> None:
    settings = ws.settings
    assert settings.smtp_host is not None  # checked by the caller
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_SECONDS) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user and settings.smtp_password is not None:
            smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())
        smtp.send_message(email_message(settings.smtp_from, to, notice))
