"""``ggzy custody ...`` against a real server process: the custodians make a tender's opening
key from their own key files, a lying contribution is caught, and after the deadline k of them
open the bids with shares derived again from the public transcript."""

from __future__ import annotations

import base64
import json
import stat
import uuid
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from bidding import lookup
from bidding.opening import closing
from bidding.sealing.crypto import custody
from bidding.tendering import documents, tenders
from tests.e2e.conftest import live_server  # noqa: F401 (fixture: a real server process)
from trading import db, jobs
from trading.cli import main

from .conftest import (
    AHEAD,
    FAST_KDF,
    TEST,
    Scenario,
    bearer,
    bid_plaintext,
    bid_url,
    db_now,
    make_tender,
    pass_deadline,
    publish_now,
    seal,
    token_for,
)

pytestmark = pytest.mark.timeout(300)
PASSPHRASE = "保管人口令 pass"


def ggzy(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), env={"GGZY_KEY_PASSPHRASE": PASSPHRASE},
                              catch_exceptions=False)


def key_files(scenario: Scenario, folder: Path) -> dict[uuid.UUID, Path]:
    files = {}
    for custodian in scenario.custodians:
        path = folder / f"custodian-{scenario.custodians.index(custodian) + 1}.json"
        custody.save_key_file(path, scenario.keys[custodian], PASSPHRASE, iterations=FAST_KDF)
        files[custodian] = path
    return files


def test_custodians_run_the_ceremony_and_open_with_the_cli(live_server: str, tmp_path: Path,  # noqa: F811
                                                          database: str) -> None:
    scenario = make_tender(prefix="cli-dkg", with_ceremony=False)
    files = key_files(scenario, tmp_path)
    tender = str(scenario.tender_id)
    common = ["--url", live_server, "--tender", tender]
    started = ggzy("custody", "start", *common, "--token", token_for(scenario.staff))
    assert started.exit_code == 0, started.output
    tokens = {c: token_for(c) for c in scenario.custodians}
    for custodian, path in files.items():
        dealt = ggzy("custody", "contribute", *common, "--token", tokens[custodian],
                     "--key", str(path), "--yes")
        assert dealt.exit_code == 0, dealt.output
        secrets = next(tmp_path.glob(f"{path.stem}.{tender}.dkg-1.secrets.json"))
        assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
        assert b"ephemeral" not in secrets.read_bytes()  # kept encrypted
    twice = ggzy("custody", "contribute", *common, "--token", tokens[scenario.custodians[0]],
                 "--key", str(files[scenario.custodians[0]]), "--yes")
    assert twice.exit_code != 0 and "not now" in twice.output  # dealing is over
    for custodian, path in files.items():
        checked = ggzy("custody", "check", *common, "--token", tokens[custodian],
                       "--key", str(path))
        assert checked.exit_code == 0 and "every share dealt to you checks" in checked.output
    status = ggzy("custody", "status", *common, "--token", token_for(scenario.staff))
    summary = json.loads(status.stdout)
    assert summary["state"] == "completed" and summary["contributions"] == 3
    public = httpx.get(f"{live_server}/api/v1/tenders/{tender}",
                       headers=bearer(scenario.staff)).json()["opening"]
    assert public["key_id"] == summary["key_id"]
    assert public["transcript_hash"] == summary["transcript_hash"]

    # the tender runs: bids sealed to the key the custodians made
    scenario.key_id = public["key_id"]
    scenario.public_key = base64.b64decode(public["public_key_b64"])
    with db.transaction() as session:
        documents.add_document(session, TEST, scenario.tender_id, "招标文件.pdf", "application/pdf",
                             b"%PDF-1.4")
    publish_now(scenario, db_now() + AHEAD)
    for bidder, price in zip(scenario.bidders, (98_000_000, 95_500_000, 101_250_000),
                             strict=True):
        answer = httpx.put(f"{live_server}{bid_url(scenario)}", headers=bearer(bidder),
                           content=seal(scenario, bidder, bid_plaintext(price)), timeout=30)
        assert answer.status_code == 201, answer.text
    early = ggzy("custody", "open-share", *common, "--token", tokens[scenario.custodians[0]],
                 "--key", str(files[scenario.custodians[0]]))
    assert early.exit_code != 0 and "before the deadline" in early.output
    pass_deadline(scenario.tender_id)
    with db.transaction() as session:
        job = jobs.get_job(session, tenders.CLOSE_JOB, lookup.job_subject(scenario.tender_id))
        assert job is not None
        closing.close(session, job)
    for custodian in scenario.custodians[:2]:
        opened = ggzy("custody", "open-share", *common, "--token", tokens[custodian],
                      "--key", str(files[custodian]))
        assert opened.exit_code == 0, opened.output
    result = json.loads(opened.stdout)
    assert result["reconstructed"] is True and result["have"] == 2
