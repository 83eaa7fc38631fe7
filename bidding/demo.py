"""The bidding part of the ``make run`` demo (``Domain.seed_demo``).

What it seeds, inside the demo seed transaction (idempotent: while a demo tender is open, a
second run changes nothing; once it has closed, the next start-up seeds a fresh one):

- key files for demo-custodian1..3 under ``var/demo/custodian-keys/`` (the crypto module's
  passphrase-protected format) with their passphrases in ``var/demo/custodian-passphrases.json``
  (owner-only), and their public keys registered on the platform;
- a tender with one section, a 2-of-3 custodian panel, its dealer-free key ceremony done (each
  demo custodian's steps run here with its key file: whoever can read ``var/demo/`` can open
  the demo tenders before their deadline, the README and the tender page say so), a document,
  and *published as if 21 days ago*: R-10 needs 20 days between the documents and the deadline,
  so the rows are written directly (issue time in the past) instead of through ``publish``,
  with the log entry saying so. Its deadline is ``GGZY_DEMO_DEADLINE_MINUTES`` (default 5)
  after start-up, by the database clock;
- two sealed bids, from demo-bidder2 and demo-bidder3 (sealed here, as their machines would),
  so that one more bid sealed in the browser by demo-bidder1 makes the three R-24 requires;
- a second tender, left as a *draft ready to publish* (ceremony done, document uploaded), so
  that staff can try publishing with the legal periods checked, e.g. on a test-clock date in
  December with a deadline in January of a year whose holidays are not confirmed yet
  (``GGZY_TEST_NOW``, docs/calendar.md);
- DEMO BEHAVIOUR: job ``bidding.demo_shares`` a few seconds after the deadline decrypts and
  submits the shares of demo-custodian1 and 2 (derived from the transcript with their key
  files), as the custodians would
  with ``ggzy custody open-share``. Set ``GGZY_DEMO_AUTO_SHARES=0`` to do it by hand.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import secrets
import uuid
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bidding import lookup
from bidding.models import PanelMember, Tender, TenderState
from bidding.opening import shares
from bidding.sealing import ceremony, ceremony_local, panels
from bidding.sealing.crypto import custody, dkg_custodian
from bidding.sealing.crypto.envelope import seal_stream
from bidding.submission import intake, storing
from bidding.tendering import announcement, documents, tenders
from supervision import services as supervision
from trading import clock, jobs
from trading.accounts.models import Organization, User
from trading.accounts.services import CurrentUser
from trading.audit import Actor
from trading.settings import get_settings

DEMO_SHARES_JOB = "bidding.demo_shares"
DEMO_TITLE = "阳泉市城区道路提质改造工程（演示）"
READY_TITLE = "阳泉市老旧小区排水管网改造工程（演示，待发布）"
DEMO_ACTOR = Actor.system("demo-seed")
CUSTODIANS = ("demo-custodian1", "demo-custodian2", "demo-custodian3")
PRESEALED = (("demo-bidder2", 1_186_000_000, 300), ("demo-bidder3", 1_215_500_000, 280))
DEMO_KDF_ITERATIONS = 200_000
DEMO_ANNOUNCEMENT = {
    "project_scope": "城区主干道路面提质、排水管网改造及交通设施施工",
    "project_scale": "道路全长约 4.6 公里", "funding_source": "市级财政资金",
    "technical_requirements": "执行 CJJ 1-2008《城镇道路工程施工与质量验收规范》",
    "qualification": "市政公用工程施工总承包二级及以上资质，近三年无重大安全事故",
    "opening_place": "电子交易平台线上开标", "contact": "演示招标人 王工 0353-0000000",
}


def _demo_dir() -> Path:
    return get_settings().var_dir / "demo"


def keys_dir() -> Path:
    return _demo_dir() / "custodian-keys"


def passphrases_path() -> Path:
    return _demo_dir() / "custodian-passphrases.json"


def _deadline_minutes() -> float:
    return float(os.environ.get("GGZY_DEMO_DEADLINE_MINUTES", "") or 5)


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def _passphrases() -> dict[str, str]:
    path = passphrases_path()
    known: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    if any(name not in known for name in CUSTODIANS):
        known.update({n: secrets.token_urlsafe(12) for n in CUSTODIANS if n not in known})
        _write_private(path, json.dumps(known, indent=2))
    return known


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None, f"demo user {username} is missing"
    return user


def custodian_keys(session: Session) -> dict[str, custody.CustodianKeys]:
    """Load (or make and register) each demo custodian's key file."""
    phrases = _passphrases()
    keys = {}
    for name in CUSTODIANS:
        path = keys_dir() / f"{name}.json"
        if not path.exists():
            custody.save_key_file(path, custody.generate_custodian_keys(), phrases[name],
                                  iterations=DEMO_KDF_ITERATIONS)
        keys[name] = custody.load_key_file(path, phrases[name])
        user = _user(session, name)
        registered = panels.active_key(session, user.id)
        if registered is None or registered.key_id != keys[name].public().fingerprint:
            panels.register_key(session, DEMO_ACTOR, CurrentUser.of(user),
                                keys[name].public().to_document())
    return keys


AUTO_SHARES_NOTE = "演示项目：截止后由演示保管人自动提交份额并开标。"
MANUAL_SHARES_NOTE = "演示项目：截止后请由演示保管人在“密钥保管”页面或命令行提交份额，然后开标。"


def auto_shares() -> bool:
    """GGZY_DEMO_AUTO_SHARES (default on): the demo custodians' shares go in by themselves."""
    return os.environ.get("GGZY_DEMO_AUTO_SHARES", "1") != "0"


def seed_demo(session: Session) -> dict[str, custody.CustodianKeys]:
    """``Domain.seed_demo``: see the module docstring. Returns the demo custodians' keys (the
    tender at the evaluation stage, ``demo_evaluation``, is seeded with them too)."""
    now = clock.now(session)
    open_demo = session.scalar(select(Tender.id).where(
        Tender.title == DEMO_TITLE, Tender.state == TenderState.PUBLISHED.value,
        Tender.deadline > now))
    keys = custodian_keys(session)
    _seed_ready_draft(session, keys)
    if open_demo is not None:
        return keys
    tender = create_demo_tender(session, DEMO_TITLE,
                                AUTO_SHARES_NOTE if auto_shares() else MANUAL_SHARES_NOTE)
    hold_ceremony(session, tender, keys)
    documents.add_document(session, DEMO_ACTOR, tender.id, "招标文件.txt", "text/plain",
                           "演示招标文件：城区道路提质改造，工期 300 日历天。\n".encode())
    deadline = now + dt.timedelta(minutes=_deadline_minutes())
    publish_backdated(session, tender, now, deadline)
    for username, price, days in PRESEALED:
        preseal(session, tender, username, price, days)
    if auto_shares():
        jobs.schedule(session, DEMO_SHARES_JOB, lookup.job_subject(tender.id),
                      deadline + dt.timedelta(seconds=5))
    return keys


def _seed_ready_draft(session: Session, keys: dict[str, custody.CustodianKeys]) -> None:
    """A draft with its ceremony and documents done: staff only choose the dates and publish."""
    if session.scalar(select(Tender.id).where(Tender.title == READY_TITLE,
                                              Tender.state == TenderState.DRAFT.value)):
        return
    tender = create_demo_tender(session, READY_TITLE, "演示项目：开标密钥和招标文件已就绪，由交易中心人员选择"
                     "投标截止时间和发售截止日期后发布（发布时校验 R-10、R-11）。")
    hold_ceremony(session, tender, keys)
    documents.add_document(session, DEMO_ACTOR, tender.id, "招标文件.txt", "text/plain",
                           "演示招标文件：老旧小区雨污分流及排水管网改造，工期 180 日历天。\n".encode())


def create_demo_tender(session: Session, title: str, description: str) -> Tender:
    staff = _user(session, "demo-staff")
    tenderee = _user(session, "demo-tenderee")
    data = tenders.TenderInput(
        title=title, category="construction", region="山西省阳泉市",
        # Comprehensive evaluation with a benchmark price: the committee marks criteria in the
        # evaluation room (issue 15); the ready draft's manager may change it before publishing.
        evaluation_method="engineering_benchmark", custody_k=2,
        custodian_ids=[_user(session, n).id for n in CUSTODIANS],
        sections=[tenders.SectionInput("第一标段：主干道", 1_250_000_000, 20_000_000,
                                       1_300_000_000)],
        description=description,
        tenderee_org_id=tenderee.organization_id, announcement=dict(DEMO_ANNOUNCEMENT),
        # 行政监督部门: demo-regulator's organisation handles the demo's complaints.
        supervisor_org_id=_user(session, "demo-regulator").organization_id,
    )
    return tenders.create_tender(session, DEMO_ACTOR, staff.id, data)


def hold_ceremony(session: Session, tender: Tender, keys: dict[str, custody.CustodianKeys]) -> None:
    """The dealer-free ceremony, each demo custodian's steps done with its key file as
    ``ggzy custody contribute`` and ``check`` would on its machine."""
    staff = CurrentUser.of(_user(session, "demo-staff"))
    custodians = [(CurrentUser.of(_user(session, n)), keys[n]) for n in CUSTODIANS]
    ceremony_local.hold(session, staff, tender.id, custodians)
    session.refresh(tender)
    # Said on the tender page: every demo custodian's key file is on this machine.
    tender.ceremony = {**(tender.ceremony or {}), "demo_key_files": True}
    session.flush()


def publish_backdated(session: Session, tender: Tender, now: dt.datetime,
                       deadline: dt.datetime) -> None:
    issued = now - dt.timedelta(days=21)
    jobs.schedule(session, tenders.CLOSE_JOB, lookup.job_subject(tender.id), deadline)
    session.execute(update(Tender).where(Tender.id == tender.id).values(
        state=TenderState.PUBLISHED.value, documents_issued_at=issued,
        sale_ends_at=issued + dt.timedelta(days=6), deadline=deadline, updated_at=now))
    supervision.record(session, DEMO_ACTOR, "tender.published", lookup.subject(tender.id), {
        "from": "draft", "to": "published", "demo": True,
        "note": "演示数据：按21天前发布写入（等标期不少于20日）",
        "documents_issued_at": issued.isoformat(), "deadline": deadline.isoformat()})
    session.expire(tender)
    # the demo tender has its announcement too (once: a new demo tender each time).
    published = lookup.get_tender(session, tender.id)
    announcement.disclose(session, DEMO_ACTOR, published, "tender_announcement",
                          announcement.announcement_data(session, published))


def preseal(session: Session, tender: Tender, username: str, price_fen: int,
             days: int) -> None:
    """A bid sealed "on the bidder's machine" and stored through the normal checks."""
    user = _user(session, username)
    section = lookup.sections_of(session, tender.id)[0]
    org = session.get(Organization, user.organization_id)
    assert org is not None and tender.opening_public_key is not None
    plaintext = json.dumps({"format": "ggzy-bid/1", "price_fen": price_fen,
                            "duration_days": days, "quality": "合格",
                            "items": {"note": "演示投标"}}, ensure_ascii=False).encode() + b"\n"
    sealed = io.BytesIO()
    seal_stream(io.BytesIO(plaintext), sealed, opening_public_key=tender.opening_public_key,
                tender_id=str(tender.id), section_id=str(section.id), bidder_id=str(org.id),
                key_id=str(tender.opening_key_id))
    target = intake.precheck(session, CurrentUser.of(user), tender.id, section.id)
    incoming = intake.IncomingBid(target)
    incoming.write(sealed.getvalue())
    incoming.finish()
    actor = Actor(user_id=str(user.id), role="bidder", ip=None)
    storing.store_in(session, actor, incoming)


def submit_demo_shares(session: Session, job: jobs.ScheduledJob) -> None:
    """DEMO BEHAVIOUR (job ``bidding.demo_shares``): two demo custodians submit their shares
    with their key files, exactly as ``ggzy custody open-share`` would on their machines."""
    tender = lookup.get_tender(session, lookup.tender_id_of(job.subject))
    if tender.state not in (TenderState.PUBLISHED.value, TenderState.CLOSED.value):
        return
    phrases = _passphrases()
    transcript = ceremony.transcript_of(session, tender)
    for name in CUSTODIANS[: tender.custody_k]:
        user = _user(session, name)
        member = session.get(PanelMember, (tender.id, user.id))
        if member is None or member.share is not None:
            continue
        keys = custody.load_key_file(keys_dir() / f"{name}.json", phrases[name])
        body = dkg_custodian.share_submission(transcript, keys)
        actor = Actor(user_id=str(user.id), role="custodian", ip=None)
        shares.submit_share(session, actor, CurrentUser.of(user), tender.id, body["share_b64"],
                            body["signature_b64"])
        tender = lookup.get_tender(session, tender.id)
        if tender.key_reconstructed_at is not None:
            return


def demo_tender_id(session: Session) -> uuid.UUID | None:
    return session.scalar(select(Tender.id).where(Tender.title == DEMO_TITLE)
                          .order_by(Tender.created_at.desc()).limit(1))
