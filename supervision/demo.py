"""Demo cases for ``make run``: alerts in every state, red flags, a verifiable draw, a
registered witness for the demo regulator, a signed checkpoint and the periodic checkpoint job.

Idempotent: a second seed finds the demo alerts and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from supervision import alerts, checkpoints, draws, note, redflags, services, tasks
from supervision.models import SupervisionAlert
from trading import clock
from trading.accounts.models import User
from trading.audit import Actor
from trading.settings import get_settings

TENDER = "tender:SV-DEMO-001"
SEEDER = Actor.system("demo-seed")
HOUR = dt.timedelta(hours=1)


def witness_key_path() -> Path:
    return get_settings().var_dir / "demo" / "witness.key"


def seed(session: Session) -> None:
    checkpoints.signing_key()  # created at set-up, owner-only, outside the database
    if session.scalar(select(SupervisionAlert.id).where(SupervisionAlert.subject.like("%SV-DEMO%"))):
        return
    _alerts(session)
    _flags(session)
    _draw(session)
    _witness(session)
    tasks.schedule_periodic_checkpoint(session)
    checkpoints.checkpoint_now(session, "demo")


def _alerts(session: Session) -> None:
    now = clock.now(session)
    watch = alerts.watch_deadline
    watch(session, alerts.AlertKind.INTAKE_LIMIT, "intake:SV-DEMO-17", "staff", now - 2 * HOUR,
          "项目登记受理超过法定时限（演示）", "Project registration past its intake limit (demo)")
    watch(session, alerts.AlertKind.COMPLAINT, "complaint:SV-DEMO-3", "tenderee", now + 6 * HOUR,
          "投诉处理决定即将到期（演示）", "Complaint decision due soon (demo)")
    watch(session, alerts.AlertKind.TENDER_PERIOD, TENDER, "staff", now + 240 * HOUR,
          "招标文件发售期（演示）", "Tender document period (demo)")
    watch(session, alerts.AlertKind.CONTRACT, "contract:SV-DEMO-9", "tenderee", now + 2 * HOUR,
          "中标后签订合同时限（演示）", "Contract signing limit after the award (demo)")
    alerts.resolve_deadline(session, alerts.AlertKind.CONTRACT, "contract:SV-DEMO-9",
                            "contract.signed (demo)")


def _flags(session: Session) -> None:
    bids = [
        redflags.BidFacts("bidder:demo-1", ip="10.8.0.21", device_fingerprint="dev-aa17",
                          envelope_hash="e1" * 32, document_hashes=("d0" * 32, "d1" * 32),
                          document_metadata={"d1" * 32: {"author": "张伟", "company": "晋阳建设"}},
                          price_fen=98_900_000, persons=("140302198001010011",)),
        redflags.BidFacts("bidder:demo-2", ip="10.8.0.21", device_fingerprint="dev-bb02",
                          envelope_hash="e2" * 32, document_hashes=("d0" * 32, "d2" * 32),
                          document_metadata={"d2" * 32: {"author": "张伟", "company": "华通路桥"}},
                          price_fen=99_000_000, persons=("140302198001010011",)),
        redflags.BidFacts("bidder:demo-3", ip="36.112.4.9", device_fingerprint="dev-cc33",
                          envelope_hash="e3" * 32, document_hashes=("d3" * 32,),
                          price_fen=99_100_000, persons=("140302199002020022",)),
    ]
    redflags.assess_bids(session, TENDER, bids, stage="closing")
    redflags.assess_bids(session, TENDER, bids, stage="opening", max_price_fen=99_300_000)


def _draw(session: Session) -> None:
    subject = "draw:SV-DEMO-1"
    eligible = {"civil": [f"expert-{n:03d}" for n in range(1, 13)]}
    r_platform, r_other = secrets.token_hex(32), secrets.token_hex(32)
    pool = draws.pool_hash(eligible)
    services.record(session, SEEDER, "draw.committed", subject, {
        "commitment": hashlib.sha256(bytes.fromhex(r_platform)).hexdigest(), "pool_hash": pool,
        "categories": {"civil": 3}, "algorithm": "ggzy-draw-v1"})
    services.record(session, SEEDER, "draw.contributed", subject, {"r_other": r_other})
    seed = draws.seed_for("SV-DEMO-1", pool, r_platform, r_other)
    services.record(session, SEEDER, "draw.result", subject, {
        "r_platform": r_platform, "eligible": eligible,
        "selected": {"civil": draws.ranking(seed, eligible["civil"])[:3]}})


def _witness(session: Session) -> None:
    path = witness_key_path()
    regulator = session.scalar(select(User).where(User.username == "demo-regulator"))
    if regulator is None:
        return
    if not path.exists():
        note.write_private_key(path, note.generate_key("regulator.ggzy.example/witness",
                                                       note.COSIGNATURE_V1))
    key = note.read_private_key(path)
    if not checkpoints.witness_keys(session, regulator.id):
        checkpoints.register_witness_key(session, SEEDER, regulator.id, key.verifier.encode())
