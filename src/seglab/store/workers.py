"""The workers' table: each ``seglab worker`` process says, every few seconds, that it is alive and what it takes."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from seglab.store._models import WorkerRow, utc_now


@dataclass(frozen=True)
class Worker:
    id: str
    host: str
    pid: int
    kinds: list[str]
    concurrency: int
    started_at: datetime
    heartbeat_at: datetime


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite keeps the time without its zone (UTC)


def _worker(row: WorkerRow) -> Worker:
    return Worker(
        row.id, row.host, row.pid, list(row.kinds), row.concurrency, _aware(row.started_at), _aware(row.heartbeat_at)
    )


def beat(session: Session, worker: str, *, host: str, pid: int, kinds: Collection[str], concurrency: int) -> None:
    """Record that ``worker`` is alive now (registering it on its first beat)."""
    row = session.get(WorkerRow, worker)
    if row is None:
        session.add(WorkerRow(id=worker, host=host, pid=pid, kinds=sorted(kinds), concurrency=concurrency))
    else:
        row.heartbeat_at = utc_now()


def remove(session: Session, worker: str) -> None:
    """A worker that stops takes itself off the table."""
    session.execute(delete(WorkerRow).where(WorkerRow.id == worker))


def list_workers(session: Session) -> list[Worker]:
    """Every registered worker, the most recently alive first."""
    return [_worker(row) for row in session.scalars(select(WorkerRow).order_by(WorkerRow.heartbeat_at.desc()))]


def forget_silent(session: Session, before: datetime) -> int:
    """Drop the workers silent since ``before`` (killed ones never removed themselves); how many."""
    return int(session.execute(delete(WorkerRow).where(WorkerRow.heartbeat_at < before)).rowcount)  # type: ignore[attr-defined]
