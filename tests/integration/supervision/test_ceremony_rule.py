"""The sealed-bid key rule on the real log: a real 2-of-3 ceremony transcript goes through the
log's canonical encoding, the export and ``ggzy log verify``, and the regulator reads which
bid was sealed to a foreign key."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path

from click.testing import CliRunner

from bidding.sealing.crypto import custody, dkg
from supervision import checkpoints, services
from supervision.cli import log as log_cli
from trading import db
from trading.audit import Actor

ACTOR = Actor(user_id=None, role="system", ip=None)


def test_bids_are_held_to_the_logged_ceremony(database: str, tmp_path: Path) -> None:
    tender = uuid.uuid4()
    keys = [custody.generate_custodian_keys() for _ in range(3)]
    ceremony = dkg.Ceremony(str(tender), "dkg-1", 1, 2,
                            tuple(k.public(f"C-{j}") for j, k in enumerate(keys, start=1)))
    contributions = [dkg.make_contribution(ceremony, i, keys[i - 1])[0] for i in (1, 2, 3)]
    transcript = dkg.build_transcript(ceremony, contributions, [], [])
    subject, foreign = f"tender/{tender}", "0f" * 16
    with db.transaction() as session:
        services.record(session, ACTOR, "custody.ceremony_completed", subject, {
            "ceremony_id": "dkg-1", "round": 1, "key_id": transcript.key_id,
            "public_key": base64.b64encode(transcript.public_key).decode(),
            "transcript_hash": transcript.hash, "transcript": transcript.to_document()})
        good = services.record(session, ACTOR, "bid.submitted", subject,
                               {"bid": "b-1", "key_id": transcript.key_id})
        bad = services.record(session, ACTOR, "bid.submitted", subject,
                              {"bid": "b-2", "key_id": foreign})
    runner = CliRunner()
    out = tmp_path / "log.jsonl"
    assert runner.invoke(log_cli, ["export", "--out", str(out)]).exit_code == 0
    result = runner.invoke(log_cli, ["verify", str(out), "--log-key", checkpoints.log_vkey()])
    assert result.exit_code == 1 and "RULES BROKEN" in result.output
    broken = [line for line in result.output.splitlines() if line.startswith("违反规则 / rule broken")]
    assert broken == [f"违反规则 / rule broken: 条目 {bad}：投标加密所用的密钥 {foreign} 不是 {subject} 的"
                      f"密钥仪式（条目 {good - 1}）产生的 {transcript.key_id} / entry {bad}: a bid "
                      f"sealed to key {foreign}, not to {transcript.key_id} which the key ceremony "
                      f"of {subject} (entry {good - 1}) produced"]
