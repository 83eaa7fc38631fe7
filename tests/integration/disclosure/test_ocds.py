"""OCDS: releases per public event, compiled records, packages over HTTP and from the CLI,
each validated by libcoveocds offline against the bundled standard zip and extensions."""

from __future__ import annotations

import copy
import json

import pytest
from click.testing import CliRunner

from disclosure import cli, ocds, ocds_validate, services
from disclosure.demo import seed
from disclosure.notice_types import NoticeType
from tests.conftest import IN_CI
from tests.integration.disclosure.conftest import publish, publish_lifecycle
from trading import db

if not IN_CI:
    pytest.importorskip("libcoveocds")


def assert_clean(package: dict) -> dict:
    result = ocds_validate.validate(package)
    assert ocds_validate.problems(result) == {"validation_errors": [],
                                              "additional_closed_codelist_values": {},
                                              "invalid_extensions": {},
                                              "json_deref_error": []}
    # The extensions were really read (from the bundled copies): the schema is extended.
    assert result["extensions"]["is_extended_schema"] is True
    assert len(result["extensions"]["extensions"]) == len(ocds.EXTENSIONS)
    return result


def _all_kinds(database_ready: None = None) -> None:
    publish_lifecycle("T-FULL")
    original = publish(NoticeType.TENDER_ANNOUNCEMENT, "T-CORR")
    publish(NoticeType.CORRECTION, "T-CORR", corrects=original.id)
    publish(NoticeType.TENDER_ANNOUNCEMENT, "T-FAIL")
    publish(NoticeType.OPENING_RECORD, "T-FAIL")
    publish(NoticeType.FAILED_TENDER, "T-FAIL")
    publish(NoticeType.INTAKE_RESULT, "SP-1", category="intake")


def test_packages_of_every_notice_type_validate_clean(client):
    _all_kinds()
    with db.transaction() as session:
        seed(session)  # the demo tenders too
    releases = client.get("/api/v1/ocds/releases", params={"limit": 500}).json()
    assert len(releases["releases"]) == 11 + 11  # every tender notice; no intake result
    assert_clean(releases)
    records = client.get("/api/v1/ocds/records").json()
    assert {r["ocid"] for r in records["records"]} >= {"ocds-ggzy01-T-FULL",
                                                       "ocds-ggzy01-YQ-2026-GC-0001"}
    assert_clean(records)
    one = client.get("/api/v1/ocds/records/ocds-ggzy01-T-FULL")
    assert one.status_code == 200 and len(one.json()["records"]) == 1
    assert client.get("/api/v1/ocds/records/ocds-ggzy01-NOPE").status_code == 404
    assert client.get("/api/v1/ocds/records/other-prefix-T-FULL").status_code == 404


def test_cli_export_validates_clean(database, tmp_path):
    _all_kinds()
    out = tmp_path / "releases.json"
    result = CliRunner().invoke(cli.ocds_group, ["export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert ocds_validate.main([str(out)]) == 0
    records = tmp_path / "records.json"
    result = CliRunner().invoke(cli.ocds_group, ["export", "--out", str(records), "--records"])
    assert result.exit_code == 0 and ocds_validate.main([str(records)]) == 0
    assert len(json.loads(records.read_text())["records"]) == 3


def test_the_validator_does_catch_errors(database):
    publish_lifecycle("T-BAD")
    with db.read_only() as session:
        package = ocds.full_release_package(session)
    broken = copy.deepcopy(package)
    award = next(r for r in broken["releases"] if "award" in r["tag"] and "bids" in r)
    award["bids"]["details"][0]["status"] = "bogus"  # closed codelist of the bid extension
    del broken["releases"][0]["ocid"]
    problems = ocds_validate.problems(ocds_validate.validate(broken))
    assert problems["validation_errors"]
    assert "releases/bids/details/status" in problems["additional_closed_codelist_values"]


def test_bid_details_only_with_the_award(database):
    notices = publish_lifecycle("T-BIDS")
    with db.read_only() as session:
        by_id = {r["id"]: r for r in ocds.full_release_package(session)["releases"]}
    opening = by_id[str(notices[2].id)]
    assert opening["tag"] == ["tenderUpdate"] and "details" not in opening["bids"]
    assert opening["bids"]["statistics"][0]["value"] == 3
    assert opening["tender"]["bidOpening"]["address"]["streetAddress"] == "第一开标室"
    for earlier in notices[:4]:
        assert "details" not in by_id[str(earlier.id)].get("bids", {})
    award = by_id[str(notices[4].id)]
    assert [d["value"]["amount"] for d in award["bids"]["details"]] == [
        27650000.0, 27980000.5, 28120000.0]
    assert [a["status"] for a in award["awards"]] == ["active", "unsuccessful"]
    contract = by_id[str(notices[5].id)]
    assert contract["contracts"][0]["awardID"] == award["awards"][0]["id"]


def test_record_before_the_award_has_no_bid_details(database):
    publish(NoticeType.TENDER_ANNOUNCEMENT, "T-OPEN")
    publish(NoticeType.OPENING_RECORD, "T-OPEN")
    with db.read_only() as session:
        record = ocds.record_for(session, "T-OPEN")
    assert record is not None
    compiled = record["compiledRelease"]
    assert compiled["tag"] == ["compiled"] and "details" not in compiled["bids"]
    assert compiled["tender"]["title"] == "南外环道路改造工程"


def test_ocid_prefix_is_configurable(database, monkeypatch):
    monkeypatch.setenv("GGZY_OCID_PREFIX", "ocds-abc123-")
    publish(NoticeType.TENDER_ANNOUNCEMENT, "T-P")
    with db.read_only() as session:
        package = ocds.full_release_package(session)
    assert package["releases"][0]["ocid"] == "ocds-abc123-T-P"
    assert services.ocid_for("X") == "ocds-abc123-X"
