"""A notice altered in the database is detected by the verifier (service and CLI)."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import text

from disclosure import cli, proofs, services
from disclosure.notice_types import NoticeType
from tests.integration.disclosure.conftest import publish
from trading import db


def test_untouched_notices_verify(database):
    notices = [publish(kind, "T-V") for kind in (NoticeType.TENDER_ANNOUNCEMENT,
                                                 NoticeType.FAILED_TENDER)]
    with db.read_only() as session:
        for done in notices:
            result = proofs.verify_notice(session, done.id)
            assert result.ok and result.problems == () and result.computed_hash == \
                done.content_hash
    outcome = CliRunner().invoke(cli.disclosure_group, ["verify"])
    assert outcome.exit_code == 0 and "2 of 2 notices verified" in outcome.output


def _tamper(sql: str, **params: object) -> None:
    with db.transaction() as session:
        session.execute(text(sql), params)


def test_altered_data_is_detected(database):
    done = publish(NoticeType.RESULT_ANNOUNCEMENT, "T-V")
    publish(NoticeType.FAILED_TENDER, "T-W")
    with db.read_only() as session:
        notice = services.get_public(session, done.id)
        data = dict(notice.data)
    data["winning_price"] = "1.00"
    _tamper("UPDATE disclosure_notice SET data = :data WHERE id = :id",
            data=json.dumps(data), id=_db_id(done.id))
    with db.read_only() as session:
        result = proofs.verify_notice(session, done.id)
    assert not result.ok
    assert "content differs from its stored hash" in result.problems
    outcome = CliRunner().invoke(cli.disclosure_group, ["verify"])
    assert outcome.exit_code == 1 and f"FAIL {done.id}" in outcome.output
    assert "1 of 2 notices verified" in outcome.output


def test_altered_data_with_a_recomputed_hash_is_still_detected(database):
    done = publish(NoticeType.TENDER_ANNOUNCEMENT, "T-V", title="原标题")
    with db.transaction() as session:
        notice = services.get_public(session, done.id)
        notice.title = "篡改后的标题"
        notice.content_hash = services.content_hash(notice)  # a careful forger
    with db.read_only() as session:
        result = proofs.verify_notice(session, done.id)
    assert not result.ok
    assert result.problems == ("content differs from the hash in the supervision log",)


def _db_id(notice_id):
    return str(notice_id) if db.get_engine().dialect.name == "postgresql" else notice_id.hex
