"""The sweeper of abandoned uploads (job ``bidding.sweep_incoming``, every ``SWEEP_INTERVAL``).

An upload streams into ``storage/bids/incoming/<uuid>.part`` (opening backups into
``backup-<uuid>.part``) and is renamed or deleted when its request ends. A web worker killed in
the middle of an upload (kill -9, the machine lost) leaves the ``.part`` file behind for ever.
The sweeper deletes those whose last write is older than ``incoming_max_age`` (an upload still
streaming writes every few milliseconds; one that stalls that long has been dropped by the
server's timeouts long before), and logs one entry with the count and the bytes, never one per
file. The job schedules its successor in its own transaction, so the chain survives restarts;
every worker start makes sure one is scheduled.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from bidding import config
from trading import audit, clock, db, jobs

logger = logging.getLogger(__name__)

SWEEP_JOB = "bidding.sweep_incoming"
SWEEP_SUBJECT = "storage/bids/incoming"
SWEEP_INTERVAL = dt.timedelta(minutes=15)
SWEEPER = audit.Actor.system("sweeper")


@dataclass(frozen=True)
class Swept:
    files: int
    bytes: int


def sweep(directory: Path, max_age: dt.timedelta, now: float | None = None) -> Swept:
    """Delete ``*.part`` files under ``directory`` not written to for ``max_age``."""
    cutoff = (time.time() if now is None else now) - max_age.total_seconds()
    files = size = 0
    if not directory.is_dir():
        return Swept(0, 0)
    for path in directory.glob("*.part"):
        try:
            status = path.stat()
            if status.st_mtime >= cutoff:
                continue  # still streaming, or only just finished
            path.unlink()
        except FileNotFoundError:
            continue  # renamed or discarded by its request meanwhile
        files += 1
        size += status.st_size
    return Swept(files, size)


def sweep_incoming(session: Session, job: jobs.ScheduledJob) -> None:
    """The job's handler: sweep, log the count (if any), schedule the next sweep."""
    schedule_next(session)
    swept = sweep(config.incoming_dir(), config.incoming_max_age())
    if swept.files:
        logger.info("swept %d abandoned upload(s), %d bytes", swept.files, swept.bytes)
        audit.record(session, SWEEPER, "bids.incoming_swept", SWEEP_SUBJECT,
                     {"files": swept.files, "bytes": swept.bytes,
                      "older_than_minutes": int(config.incoming_max_age().total_seconds() // 60)})


def schedule_next(session: Session) -> None:
    jobs.schedule(session, SWEEP_JOB, SWEEP_SUBJECT, clock.now(session) + SWEEP_INTERVAL)


def ensure_scheduled() -> None:
    """Make sure a sweep is scheduled (idempotent when one is live): at every worker start."""
    with db.transaction() as session:
        live = jobs.get_job(session, SWEEP_JOB, SWEEP_SUBJECT)
        if live is None or live.status not in jobs.ACTIVE_STATUSES:
            schedule_next(session)
