"""Publishing: every notice type, refusals naming the item, corrections, scheduling, windows."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import pytest
import rfc8785

from disclosure import listing, proofs, services, tasks
from disclosure.notice_types import NoticeType
from supervision import services as supervision
from tests import clock as test_clock
from tests.integration.disclosure.conftest import STAFF_ACTOR, publish, sample
from trading import clock, db, jobs
from trading.errors import UserError


def test_every_type_publishes_with_url_hash_and_log_entry(database):
    for kind in NoticeType:
        _check_published(kind)


def _check_published(kind: NoticeType) -> None:
    original = publish(NoticeType.TENDER_ANNOUNCEMENT) if kind is NoticeType.CORRECTION else None
    done = publish(kind, corrects=original.id if original else None)
    assert done.url == f"/notices/{done.id}" and done.status == "public"
    with db.read_only() as session:
        notice = services.get_public(session, done.id)
        expected = hashlib.sha256(rfc8785.dumps(services.public_document(notice))).hexdigest()
        entry = supervision.get_entry(session, done.log_index)
    assert done.content_hash == expected == notice.content_hash
    assert entry is not None and entry.action == "notice.published"
    assert entry.subject == f"notice/{done.id}" and entry.body["content_hash"] == expected
    assert notice.feed_seq == done.log_index


MISSING = [
    (NoticeType.TENDER_ANNOUNCEMENT, "tenderee", "招标人", "Tenderee"),
    (NoticeType.TENDER_ANNOUNCEMENT, "funding_source", "资金来源", "Funding source"),
    (NoticeType.CANDIDATE_PUBLICITY, "objection_method", "提出异议的渠道和方式", "How to object"),
    (NoticeType.CONTRACT_NOTICE, "signing_date", "合同签订日期", "Signing date"),
    (NoticeType.RESULT_ANNOUNCEMENT, "winner", "中标人", "Winner"),
]


def test_missing_required_item_is_refused_and_named(database):
    for kind, path, zh, en in MISSING:
        data = sample(kind)
        data[path] = "  "
        with pytest.raises(UserError) as refused:
            publish(kind, data=data)
        assert refused.value.field == path and refused.value.code == "missing_item"
        assert zh in refused.value.message_zh and en in refused.value.message_en


def test_missing_item_inside_a_list_names_the_entry(database):
    data = sample(NoticeType.CANDIDATE_PUBLICITY)
    del data["candidates"][1]["key_personnel"]
    with pytest.raises(UserError) as refused:
        publish(NoticeType.CANDIDATE_PUBLICITY, data=data)
    assert refused.value.field == "candidates[1].key_personnel"
    assert "第2项" in refused.value.message_zh and "Key personnel" in refused.value.message_en


PUBLICITY_RULES = [
    ({"publicity_days": 2}, "publicity_days"),  # at least three days
    ({"candidates": [{"rank": r, "bidder": f"b{r}", "price": "1", "quality": "q",
                      "duration": "d", "key_personnel": "k"} for r in (1, 2, 3, 3)]},
     "candidates"),  # at most three candidates
    ({"unknown_item": "x"}, "unknown_item"),
]


def test_publicity_rules_are_enforced(database):
    for change, field in PUBLICITY_RULES:
        data = {**sample(NoticeType.CANDIDATE_PUBLICITY), **change}
        with pytest.raises(UserError) as refused:
            publish(NoticeType.CANDIDATE_PUBLICITY, data=data)
        assert refused.value.field == field


def test_nothing_is_written_when_refused(database):
    with db.read_only() as session:
        size = supervision.tree_size(session)
    with pytest.raises(UserError):
        publish(NoticeType.FAILED_TENDER, data={"tenderee": "x"})
    with pytest.raises(UserError):
        publish(NoticeType.FAILED_TENDER, tender_ref="bad ref with spaces")
    with pytest.raises(UserError):
        publish(NoticeType.FAILED_TENDER, category="nope")
    with pytest.raises(UserError):
        publish(NoticeType.FAILED_TENDER, secret_fields=["no_such_item"])
    with db.read_only() as session:
        assert supervision.tree_size(session) == size


def test_correction_of_a_missing_notice_is_refused(database):
    with pytest.raises(UserError) as refused:
        publish(NoticeType.CORRECTION, corrects=uuid.uuid4())
    assert refused.value.field == "corrects" and refused.value.status == 404
    with pytest.raises(UserError) as missing:
        publish(NoticeType.CORRECTION)
    assert missing.value.field == "corrects"


def test_correction_must_belong_to_the_same_tender(database):
    original = publish(NoticeType.TENDER_ANNOUNCEMENT, "T-A")
    with pytest.raises(UserError) as refused:
        publish(NoticeType.CORRECTION, "T-B", corrects=original.id)
    assert refused.value.field == "corrects"


def test_original_stays_public_and_points_to_its_correction(database):
    original = publish(NoticeType.TENDER_ANNOUNCEMENT)
    correction = publish(NoticeType.CORRECTION, corrects=original.id)
    second = publish(NoticeType.CORRECTION, corrects=original.id)
    with db.read_only() as session:
        page = services.public_page(session, original.id)
        assert page.notice.status == "public" and page.original is None
        assert [n.id for n in page.corrections] == [correction.id, second.id]
        of_correction = services.public_page(session, correction.id)
        assert of_correction.original is not None and of_correction.original.id == original.id
        assert of_correction.corrections == []
        assert abs((page.now - clock.now(session)).total_seconds()) < 60


def test_scheduled_notice_stays_private_until_its_job_runs(database):
    with db.read_only() as session:
        later = clock.now(session) + dt.timedelta(hours=1)
    done = publish(NoticeType.TENDER_ANNOUNCEMENT, publish_at=later)
    assert done.status == "scheduled"
    with db.read_only() as session:
        with pytest.raises(UserError):
            services.get_public(session, done.id)
        assert listing.changes(session) == []
        job = jobs.get_job(session, services.PUBLISH_JOB, f"notice/{done.id}")
    assert job is not None and job.due_at == later.astimezone(dt.UTC)
    test_clock.advance_past(later)
    with db.transaction() as session:
        tasks.publish_scheduled(session, job)
        tasks.publish_scheduled(session, job)  # idempotent
    with db.read_only() as session:
        notice = services.get_public(session, done.id)
        assert notice.feed_seq is not None and notice.feed_seq > done.log_index
        assert [n.id for n in listing.changes(session)] == [done.id]
        assert proofs.verify_notice(session, done.id).ok


def test_candidate_publicity_window_is_at_least_three_days(database):
    done = publish(NoticeType.CANDIDATE_PUBLICITY)
    with db.read_only() as session:
        notice = services.get_public(session, done.id)
        job = jobs.get_job(session, services.PUBLICITY_END_JOB, f"notice/{done.id}")
    assert notice.published_at is not None and notice.publicity_ends_at is not None
    assert notice.publicity_ends_at - notice.published_at >= dt.timedelta(days=3)
    assert job is not None and job.due_at == notice.publicity_ends_at
    with db.transaction() as session:
        tasks.end_publicity(session, job)
    with db.read_only() as session:
        ended = supervision.entries(session, action="notice.publicity_ended")
    assert [e.subject for e in ended] == [f"notice/{done.id}"]


def test_publish_inside_the_callers_transaction_rolls_back_with_it(database):
    class Boom(Exception):
        pass

    with pytest.raises(Boom), db.transaction() as session:
        done = services.publish(session, STAFF_ACTOR, notice_type=NoticeType.FAILED_TENDER,
                                tender_ref="T-R", title="流标", region="r", category="other",
                                data=sample(NoticeType.FAILED_TENDER))
        raise Boom
    with db.read_only() as session, pytest.raises(UserError):
        services.get_public(session, done.id)


def test_regulator_view_keeps_what_was_submitted(database):
    data = sample(NoticeType.INTAKE_RESULT)
    done = publish(NoticeType.INTAKE_RESULT, data=data)
    with db.transaction() as session:
        notice, private = services.unredacted(session, STAFF_ACTOR, done.id)
    assert private.data["applicant_address"] == data["applicant_address"]
    assert notice.data["applicant_address"] != data["applicant_address"]
    with db.read_only() as session:
        viewed = supervision.entries(session, action="notice.unredacted_viewed")
    assert len(viewed) == 1
