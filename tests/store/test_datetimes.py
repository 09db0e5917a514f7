"""Moments read back from the database carry their zone (UTC) on SQLite as on PostgreSQL, and a moment written in
another zone is stored as the same instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import select

from seglab.jobs import CreateVersionJob
from seglab.store import jobs as job_store
from seglab.store._models import JobRow


def test_moments_come_back_in_utc_whatever_zone_they_were_written_in(ws):
    paris = timezone(timedelta(hours=1))
    written = datetime(2026, 12, 1, 4, 30, tzinfo=paris)
    with ws.db.transaction() as session:
        job = job_store.submit(session, CreateVersionJob.kind, {})
        session.get(JobRow, job.id).lease_expires_at = written
    with ws.db.transaction() as session:
        row = session.get(JobRow, job.id)
        assert row.lease_expires_at == written
        assert row.lease_expires_at.utcoffset() == timedelta(0)
        assert row.lease_expires_at.replace(tzinfo=None) == datetime(2026, 12, 1, 3, 30)
        assert row.created_at.tzinfo is not None
        assert abs(datetime.now(UTC) - row.created_at) < timedelta(minutes=5)
        # compared in the database too: the same instant, not the same clock time
        later = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
        assert session.scalars(select(JobRow.id).where(JobRow.lease_expires_at < later)).all() == [job.id]
