"""The bidding domain's timed work and Celery tasks (imported by the worker only).

- job ``bidding.close``: close the tender at its deadline (``closing.close``);
- job ``bidding.open``: fan the opening out, ``bidding.open_bids`` tasks over batches of bids;
- job ``bidding.open_watch``: re-send unfinished decryptions until the record exists;
- job ``bidding.share_alert``: alert when shares are still missing after closing;
- job ``bidding.halves_close``: bidder-decrypts mode: the bidders' key-half window is over
  (or every half is in): start the opening (``halves.close_window``);
- job ``bidding.demo_shares``: demo only — submit the demo custodians' shares;
- job ``bidding.sweep_incoming``: delete abandoned uploads' ``.part`` files (``sweeper``);
- task ``bidding.open_bids(bid_ids)``: decrypt a batch of bids (guarded, idempotent, acks
  late); ``bidding.open_bid(bid_id)``: one bid, for messages sent before batches.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from celery import Task, shared_task, signals

from bidding import demo, sweeper
from bidding.opening import closing, decryption, halves
from bidding.tendering import tenders
from trading import jobs

jobs.job_handler(tenders.CLOSE_JOB)(closing.close)
jobs.job_handler(decryption.OPEN_JOB)(decryption.start)
# The watchdog re-sends what a dead worker held: run it at once when a worker is lost.
jobs.job_handler(decryption.WATCH_JOB, on_worker_loss=True)(decryption.watch)
jobs.job_handler(closing.SHARE_ALERT_JOB)(closing.share_alert)
jobs.job_handler(halves.HALVES_JOB)(halves.close_window)
jobs.job_handler(demo.DEMO_SHARES_JOB)(demo.submit_demo_shares)
jobs.job_handler(sweeper.SWEEP_JOB)(sweeper.sweep_incoming)


@signals.worker_ready.connect
def _start_sweeping(**_: Any) -> None:
    try:
        sweeper.ensure_scheduled()
    except Exception:  # the next worker start tries again; uploads are not at stake
        logging.getLogger(__name__).exception("could not schedule the upload sweeper")

# A decryption that fails for an unexpected reason (database away) is retried; R-25 failures
# are results, not errors, and are recorded by ``open_batch`` itself.
MAX_RETRIES = 5


@shared_task(name=decryption.OPEN_TASK, bind=True, acks_late=True, max_retries=MAX_RETRIES,
             reject_on_worker_lost=True)
def open_bid(task: Task[Any, Any], bid_id: str) -> str:
    try:
        return decryption.open_one(uuid.UUID(bid_id))
    except Exception as error:
        raise task.retry(exc=error, countdown=2 ** task.request.retries) from error


@shared_task(name=decryption.OPEN_BATCH_TASK, bind=True, acks_late=True, max_retries=MAX_RETRIES,
             reject_on_worker_lost=True)
def open_bids(task: Task[Any, Any], bid_ids: list[str]) -> dict[str, str]:
    batch = [uuid.UUID(bid_id) for bid_id in bid_ids]
    try:
        return {str(bid_id): result for bid_id, result in decryption.open_batch(batch).items()}
    except Exception as error:
        raise task.retry(exc=error, countdown=2 ** task.request.retries) from error
