"""Roboflow's sinks that send results out: email (SMTP), webhook (HTTP) and a local file.

Each outputs ``error_status``, ``throttling_status`` and ``message`` as Roboflow's do. ``cooldown_seconds`` holds a
step back after it fired (per compiled workflow: a saved workflow run by the server keeps its step's clock);
``fire_and_forget`` sends in the background and answers at once; ``disable_sink`` turns the step off.
"""

from __future__ import annotations

import re
import smtplib
import ssl
import threading
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from seglab.tls import ssl_context
from seglab.workflows.blocks.base import Accepts, Block, Selector, StepContext, StepManifest
from seglab.workflows.kinds import Kind
from seglab.workflows.query_language import Operation, apply_operations
from seglab.workflows.serialization import plain

_PLACEHOLDER = re.compile(r"\{\{\s*\$parameters\.([A-Za-z0-9_\-]+)\s*\}\}")


class SinkFields(StepManifest):
    fire_and_forget: Annotated[bool | Selector, Accepts((Kind.BOOLEAN,))] = True
    disable_sink: Annotated[bool | Selector, Accepts((Kind.BOOLEAN,))] = False
    cooldown_seconds: Annotated[int | Selector, Accepts((Kind.INTEGER,))] = 5


def render(template: str, parameters: dict[str, Any], operations: dict[str, list[Any]]) -> str:
    """``template`` with each ``{{ $parameters.name }}`` replaced by that value (through its operations)."""
    values = {name: apply_operations(value, operations.get(name, [])) for name, value in parameters.items()}

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        return str(plain(values[name])) if name in values else match.group(0)

    return _PLACEHOLDER.sub(replace, template)


class _Sink(Block):
    """Cooldown, ``disable_sink`` and ``fire_and_forget`` around :meth:`send` (which returns the message)."""

    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {
        "error_status": (Kind.BOOLEAN,),
        "throttling_status": (Kind.BOOLEAN,),
        "message": (Kind.STRING,),
    }

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: float | None = None

    def send(self, step: Any, context: StepContext) -> Callable[[], str]:
        """Check the step's settings (raising a clear error) and return what sends it."""
        raise NotImplementedError

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        if step.disable_sink:
            return {"error_status": False, "throttling_status": False, "message": "Sink was disabled by parameter"}
        with self._lock:
            now = time.monotonic()
            if self._last is not None and now - self._last < float(step.cooldown_seconds):
                return {"error_status": False, "throttling_status": True, "message": "Sink cooldown applies"}
            self._last = now
        deliver = self.send(step, context)
        if step.fire_and_forget:
            threading.Thread(target=_quietly(deliver), name=f"sink-{context.step}", daemon=True).start()
            return {"error_status": False, "throttling_status": False, "message": "Sent in the background"}
        try:
            return {"error_status": False, "throttling_status": False, "message": deliver()}
        except (OSError, smtplib.SMTPException, ValueError) as error:
            return {"error_status": True, "throttling_status": False, "message": f"{type(error).__name__}: {error}"}


def _quietly(deliver: Callable[[], str]) -> Callable[[], None]:
    def call() -> None:
        try:
            deliver()
        except (OSError, smtplib.SMTPException, ValueError):
            return  # fire and forget: nobody waits for the answer, as in Roboflow

    return call


Addresses = Annotated[str | list[str] | Selector | None, Accepts((Kind.STRING, Kind.LIST_OF_VALUES))]


class SmtpSettings(BaseSettings):
    """The SMTP server that sends what Roboflow's managed email service would (``SEGLAB_SMTP_SERVER``...): a v2
    email step with ``email_provider`` ``Roboflow Managed API Key`` (its default) goes through it."""

    model_config = SettingsConfigDict(env_prefix="SEGLAB_SMTP_")

    server: str | None = None
    port: int = 465
    sender: str | None = None
    password: str | None = None


class EmailNotificationManifest(SinkFields):
    type: Literal["roboflow_core/email_notification@v1", "roboflow_core/email_notification@v2"]
    email_provider: Literal["Roboflow Managed API Key", "Custom SMTP"] = "Roboflow Managed API Key"
    """v2's choice: ``Custom SMTP`` (the step's server), or the managed sender, which here is the server set by
    ``SEGLAB_SMTP_SERVER`` (Roboflow's service is not reached)."""
    subject: str
    receiver_email: Addresses
    message: str
    message_parameters: Annotated[dict[str, Any], Accepts()] = Field(default_factory=dict)
    message_parameters_operations: dict[str, list[Operation]] = Field(default_factory=dict)
    sender_email: Annotated[str | Selector | None, Accepts((Kind.STRING,))] = None
    smtp_server: Annotated[str | Selector | None, Accepts((Kind.STRING,))] = None
    sender_email_password: Annotated[str | Selector | None, Accepts((Kind.STRING,))] = None
    cc_receiver_email: Addresses = None
    bcc_receiver_email: Addresses = None
    smtp_port: int = 465
    """465: TLS from the start; any other port: plain SMTP, upgraded with STARTTLS where the server offers it."""
    attachments: Annotated[dict[str, Any], Accepts()] = Field(default_factory=dict)


def _addresses(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


class EmailNotification(_Sink):
    """Sends ``message`` (``{{ $parameters.x }}`` filled in) to ``receiver_email`` through ``smtp_server``;
    attachments are text (a CSV, say) or images (sent as JPEG)."""

    manifest = EmailNotificationManifest
    description = "Send an email (SMTP)"

    def send(self, step: Any, context: StepContext) -> Callable[[], str]:
        if step.email_provider == "Roboflow Managed API Key" and step.type.endswith("@v2"):
            managed = SmtpSettings()
            if not managed.server or not managed.sender:
                raise context.fail(
                    "email_provider 'Roboflow Managed API Key' sends through the server seglab is configured with: "
                    "set SEGLAB_SMTP_SERVER and SEGLAB_SMTP_SENDER (and SEGLAB_SMTP_PORT, SEGLAB_SMTP_PASSWORD), or "
                    "use email_provider 'Custom SMTP' with smtp_server, sender_email and sender_email_password"
                )
            step = step.model_copy(
                update={
                    "smtp_server": managed.server,
                    "smtp_port": managed.port,
                    "sender_email": managed.sender,
                    "sender_email_password": managed.password,
                }
            )
        for setting in ("smtp_server", "sender_email"):
            if not getattr(step, setting):
                raise context.fail(f"{setting} is not set: the email block needs an SMTP server and a sender")
        receivers = _addresses(step.receiver_email)
        if not receivers:
            raise context.fail("receiver_email is not set")
        email = EmailMessage()
        email["Subject"] = step.subject
        email["From"] = str(step.sender_email)
        email["To"] = ", ".join(receivers)
        if step.cc_receiver_email:
            email["Cc"] = ", ".join(_addresses(step.cc_receiver_email))
        email.set_content(render(step.message, dict(step.message_parameters), dict(step.message_parameters_operations)))
        for name, value in dict(step.attachments).items():
            _attach(email, name, value)
        everyone = receivers + _addresses(step.cc_receiver_email) + _addresses(step.bcc_receiver_email)
        server, port, password = str(step.smtp_server), int(step.smtp_port), step.sender_email_password

        def deliver() -> str:
            if port == 465:
                client: smtplib.SMTP = smtplib.SMTP_SSL(server, port, context=ssl.create_default_context(), timeout=30)
            else:
                client = smtplib.SMTP(server, port, timeout=30)
            with client:
                if port != 465 and client.has_extn("starttls"):
                    client.starttls(context=ssl.create_default_context())
                if password:
                    client.login(str(step.sender_email), str(password))
                client.send_message(email, to_addrs=everyone)
            return "Notification sent successfully"

        return deliver


def _attach(email: EmailMessage, name: str, value: Any) -> None:
    from seglab.models.visualize import to_jpeg
    from seglab.workflows.values import WorkflowImage

    if isinstance(value, WorkflowImage):
        email.add_attachment(to_jpeg(value.pixels), maintype="image", subtype="jpeg", filename=f"{name}.jpg")
    elif isinstance(value, bytes):
        email.add_attachment(value, maintype="application", subtype="octet-stream", filename=name)
    elif value is not None:
        filename = name if "." in name else f"{name}.csv"
        email.add_attachment(str(value), subtype="csv" if filename.endswith(".csv") else "plain", filename=filename)


class WebhookManifest(SinkFields):
    type: Literal["roboflow_core/webhook_sink@v1"]
    url: Annotated[str | Selector, Accepts((Kind.STRING,))]
    method: Literal["GET", "POST", "PUT"] = "POST"
    query_parameters: Annotated[dict[str, Any], Accepts()] = Field(default_factory=dict)
    headers: Annotated[dict[str, Any], Accepts()] = Field(default_factory=dict)
    json_payload: Annotated[dict[str, Any], Accepts()] = Field(default_factory=dict)
    json_payload_operations: dict[str, list[Operation]] = Field(default_factory=dict)
    multi_part_encoded_files: Annotated[dict[str, Any], Accepts()] = Field(default_factory=dict)
    multi_part_encoded_files_operations: dict[str, list[Operation]] = Field(default_factory=dict)
    form_data: Annotated[dict[str, Any], Accepts()] = Field(default_factory=dict)
    form_data_operations: dict[str, list[Operation]] = Field(default_factory=dict)
    request_timeout: Annotated[int | Selector, Accepts((Kind.INTEGER,))] = 2


def _through(values: dict[str, Any], operations: dict[str, list[Any]]) -> dict[str, Any]:
    return {name: plain(apply_operations(value, operations.get(name, []))) for name, value in values.items()}


class Webhook(_Sink):
    """Calls ``url`` with the JSON payload, form data or files (each value through its operations)."""

    manifest = WebhookManifest
    description = "Call a webhook (HTTP)"

    def send(self, step: Any, context: StepContext) -> Callable[[], str]:
        import httpx

        if not step.url:
            raise context.fail("url is not set")
        payload = _through(dict(step.json_payload), dict(step.json_payload_operations))
        form = _through(dict(step.form_data), dict(step.form_data_operations))
        files = _through(dict(step.multi_part_encoded_files), dict(step.multi_part_encoded_files_operations))
        request = {
            "method": step.method,
            "url": str(step.url),
            "params": {k: str(v) for k, v in plain(dict(step.query_parameters)).items()},
            "headers": {k: str(v) for k, v in plain(dict(step.headers)).items()},
            "timeout": float(step.request_timeout),
            "verify": ssl_context(),
        }

        def deliver() -> str:
            if files or form:
                sent = {k: (k, str(v).encode()) for k, v in files.items()}
                answer = httpx.request(**request, data={k: str(v) for k, v in form.items()}, files=sent or None)
            elif step.method == "GET":
                answer = httpx.request(**request)
            else:
                answer = httpx.request(**request, json=payload)
            if answer.is_error:
                raise ValueError(f"{step.url} answered {answer.status_code}: {answer.text[:200]}")
            return f"Notification sent successfully ({answer.status_code})"

        return deliver


class LocalFileManifest(StepManifest):
    type: Literal["roboflow_core/local_file_sink@v1"]
    content: Annotated[Selector | str, Accepts((Kind.STRING,))]
    file_type: Literal["csv", "json", "txt"] = "csv"
    output_mode: Literal["append_log", "separate_files"] = "append_log"
    target_directory: Annotated[str | Selector, Accepts((Kind.STRING,))]
    file_name_prefix: Annotated[str | Selector, Accepts((Kind.STRING,))] = "workflow_output"
    max_entries_per_file: Annotated[int | Selector, Accepts((Kind.INTEGER, Kind.STRING))] = 1024


class LocalFile(Block):
    """Writes ``content`` under ``target_directory``: appended to a log file (a new one each
    ``max_entries_per_file`` entries; a CSV's repeated header left out), or one file per run."""

    manifest = LocalFileManifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {"error_status": (Kind.BOOLEAN,), "message": (Kind.STRING,)}
    description = "Save text (CSV, JSON) to a local file"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._log: tuple[Path, int] | None = None

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        directory = Path(str(step.target_directory)).expanduser()
        content = str(step.content)
        stamp = time.strftime("%Y_%m_%d_%H_%M_%S") + f"_{time.time_ns() % 1_000_000:06d}"
        try:
            directory.mkdir(parents=True, exist_ok=True)
            if step.output_mode == "separate_files":
                path = directory / f"{step.file_name_prefix}_{stamp}.{step.file_type}"
                path.write_text(content)
                return {"error_status": False, "message": f"Data saved successfully in {path}"}
            with self._lock:
                if self._log is None or self._log[1] >= int(step.max_entries_per_file):
                    self._log = (directory / f"{step.file_name_prefix}_{stamp}.{step.file_type}", 0)
                path, entries = self._log
                if step.file_type == "csv" and entries:
                    content = content.split("\n", 1)[1] if "\n" in content else ""  # the header once
                with path.open("a") as file:
                    file.write(content if content.endswith("\n") or not content else content + "\n")
                self._log = (path, entries + 1)
        except OSError as error:
            return {"error_status": True, "message": f"could not write under {directory}: {error}"}
        return {"error_status": False, "message": f"Data saved successfully in {path}"}
