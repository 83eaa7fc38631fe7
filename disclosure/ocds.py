"""OCDS 1.1 releases, records and packages built from the public notices.

One release per public notice of a tender (intake results are not contracting processes), with
``ocid`` = GGZY_OCID_PREFIX + the tender reference. Each notice type has one mapping below, so
other domains publish notices and never see OCDS. Bids use the bid extension, the opening uses
the bidOpening extension. Bid *details* (who bid what) appear only in the award and contract
releases; the opening-record release carries statistics only.

Everything here reads the redacted public notice, never the private copy.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy.orm import Session

from disclosure import listing, services
from disclosure.models import Notice
from disclosure.notice_types import SPECS, NoticeType
from trading import clock
from trading.settings import get_settings

OCDS_VERSION = "1.1"
CURRENCY = "CNY"
EXTENSIONS = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/"
    "v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/"
    "ocds_bidOpening_extension/master/extension.json",
    # bidOpening's declared dependency: it defines the Location its schema refers to. Without
    # it the extended schema cannot be dereferenced, and libcoveocds then silently skips its
    # codelist checks (reporting only ``json_deref_error``).
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_location_extension/"
    "v1.1.5/extension.json",
)
MAIN_CATEGORY = {"construction": "works", "procurement": "goods"}

Lookup = Callable[[str, NoticeType, int], Notice | None]
Release = dict[str, Any]


def _time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def party_id(name: str) -> str:
    return "GGZY-" + hashlib.sha256(name.encode()).hexdigest()[:12]


def award_id(supplier: str) -> str:
    return "award-" + party_id(supplier).removeprefix("GGZY-")


def _ref(name: str) -> dict[str, str]:
    return {"id": party_id(name), "name": name}


def _money(amount: str) -> dict[str, Any]:
    return {"amount": float(amount), "currency": CURRENCY}


class _Parties:
    def __init__(self) -> None:
        self._roles: dict[str, tuple[str, list[str]]] = {}

    def add(self, name: str | None, *roles: str) -> dict[str, str] | None:
        if not name:
            return None
        ident = party_id(name)
        known = self._roles.setdefault(ident, (name, []))[1]
        known.extend(r for r in roles if r not in known)
        return _ref(name)

    def as_list(self) -> list[dict[str, Any]]:
        return [{"id": ident, "name": name, "roles": roles}
                for ident, (name, roles) in self._roles.items()]


def release(notice: Notice, lookup: Lookup) -> Release | None:
    """The release for one public notice, or None for notices outside OCDS."""
    kind = NoticeType(notice.notice_type)
    if not SPECS[kind].ocds or notice.published_at is None or notice.feed_seq is None:
        return None
    parties = _Parties()
    data = notice.data
    body: Release = {
        "ocid": services.ocid_for(notice.tender_ref), "id": str(notice.id),
        "date": _time(notice.published_at), "tag": [], "initiationType": "tender",
        "language": "zh",
    }
    tenderee = data.get("tenderee")
    if tenderee:
        roles = ("buyer",) if data.get("agent") else ("buyer", "procuringEntity")
        body["buyer"] = parties.add(tenderee, *roles)
    MAPPINGS[kind](body, notice, parties, lookup)
    body["parties"] = parties.as_list()
    return body


def _tender(notice: Notice, **fields: Any) -> dict[str, Any]:
    return {"id": notice.tender_ref, **{k: v for k, v in fields.items() if v is not None}}


def _announcement(body: Release, notice: Notice, parties: _Parties, lookup: Lookup) -> None:
    data = notice.data
    entity = parties.add(data.get("agent"), "procuringEntity") or _ref(data["tenderee"])
    body["tag"] = ["tender"]
    body["tender"] = _tender(
        notice, title=data["project_name"], description=data["project_scope"], status="active",
        procurementMethod="open", procurementMethodDetails="公开招标",
        mainProcurementCategory=MAIN_CATEGORY.get(notice.category),
        value=_money(data["maximum_price"]) if data.get("maximum_price") else None,
        eligibilityCriteria=data["qualification"], procuringEntity=entity,
        tenderPeriod={"endDate": data["bid_deadline"]},
        bidOpening={"date": data["opening_time"], "address": {
            "streetAddress": data["opening_place"]}},
    )


def _amendment(body: Release, notice: Notice, parties: _Parties, lookup: Lookup) -> None:
    data = notice.data
    amendment = {"id": str(notice.id), "date": body["date"], "description": data["content"]}
    if data.get("reason"):
        amendment["rationale"] = data["reason"]
    period = {"endDate": data["new_bid_deadline"]} if data.get("new_bid_deadline") else None
    body["tag"] = ["tenderAmendment"]
    body["tender"] = _tender(notice, amendments=[amendment], tenderPeriod=period)


def _bid_statistics(bids: list[dict[str, Any]], date: str) -> list[dict[str, Any]]:
    return [{"id": "bids", "measure": "bids", "value": len(bids), "date": date}]


def _opening(body: Release, notice: Notice, parties: _Parties, lookup: Lookup) -> None:
    data = notice.data
    body["tag"] = ["tenderUpdate"]
    body["tender"] = _tender(notice, bidOpening={"date": data["opening_time"], "address": {
        "streetAddress": data["opening_place"]}})
    bids = data["bids"] if isinstance(data.get("bids"), list) else []
    body["bids"] = {"statistics": _bid_statistics(bids, body["date"])}


def _candidates(body: Release, notice: Notice, parties: _Parties, lookup: Lookup) -> None:
    candidates = notice.data.get("candidates")
    body["tag"] = ["award"]
    body["awards"] = [
        {"id": award_id(c["bidder"]), "status": "pending", "title": f"第{c['rank']}中标候选人",
         "value": _money(c["price"]), "suppliers": [parties.add(c["bidder"], "tenderer")]}
        for c in (candidates if isinstance(candidates, list) else [])
    ]


def _bid_details(notice: Notice, parties: _Parties, lookup: Lookup, date: str) -> dict[str, Any]:
    """Bid details, revealed with the award (from the tender's opening record)."""
    opening = lookup(notice.tender_ref, NoticeType.OPENING_RECORD, notice.feed_seq or 0)
    bids = opening.data.get("bids") if opening else None
    if not isinstance(bids, list) or not bids:
        return {}
    details = [
        {"id": f"bid-{i + 1}", "status": "valid",
         "tenderers": [parties.add(bid["bidder"], "tenderer")], "value": _money(bid["price"])}
        for i, bid in enumerate(bids)
    ]
    return {"bids": {"statistics": _bid_statistics(bids, date), "details": details}}


def _result(body: Release, notice: Notice, parties: _Parties, lookup: Lookup) -> None:
    data = notice.data
    winner = data["winner"]
    awards = [{"id": award_id(winner), "status": "active", "date": body["date"],
               "value": _money(data["winning_price"]),
               "suppliers": [parties.add(winner, "tenderer", "supplier")]}]
    publicity = lookup(notice.tender_ref, NoticeType.CANDIDATE_PUBLICITY, notice.feed_seq or 0)
    for candidate in (publicity.data.get("candidates") or []) if publicity else []:
        if isinstance(candidate, dict) and candidate.get("bidder") != winner:
            awards.append({"id": award_id(candidate["bidder"]), "status": "unsuccessful",
                           "suppliers": [parties.add(candidate["bidder"], "tenderer")]})
    body["tag"] = ["award"]
    body["tender"] = _tender(notice, status="complete")
    body["awards"] = awards
    body.update(_bid_details(notice, parties, lookup, body["date"]))


def _contract(body: Release, notice: Notice, parties: _Parties, lookup: Lookup) -> None:
    data = notice.data
    parties.add(data["winner"], "tenderer", "supplier")
    body["tag"] = ["contract"]
    body["contracts"] = [{
        "id": f"contract-{notice.id}", "awardID": award_id(data["winner"]),
        "title": data["contract_name"], "description": f"履行期限：{data['term']}",
        "status": "active", "value": _money(data["contract_amount"]),
        "dateSigned": f"{data['signing_date']}T00:00:00+08:00",
    }]


def _failed(body: Release, notice: Notice, parties: _Parties, lookup: Lookup) -> None:
    body["tag"] = ["tenderUpdate"]
    body["tender"] = _tender(notice, status="unsuccessful")


MAPPINGS: dict[NoticeType, Callable[[Release, Notice, _Parties, Lookup], None]] = {
    NoticeType.TENDER_ANNOUNCEMENT: _announcement,
    NoticeType.CLARIFICATION: _amendment,
    NoticeType.CORRECTION: _amendment,
    NoticeType.OPENING_RECORD: _opening,
    NoticeType.CANDIDATE_PUBLICITY: _candidates,
    NoticeType.RESULT_ANNOUNCEMENT: _result,
    NoticeType.CONTRACT_NOTICE: _contract,
    NoticeType.FAILED_TENDER: _failed,
}


# --- records ---------------------------------------------------------------------------------


def merge(target: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """OCDS merge: objects recursively, arrays of objects with ``id`` by id, the rest replaced."""
    for key, value in update.items():
        current = target.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            merge(current, value)
        elif isinstance(current, list) and _identified(value) and _identified(current):
            by_id = {item["id"]: item for item in current}
            for item in value:
                if item["id"] in by_id:
                    merge(by_id[item["id"]], item)
                else:
                    current.append(_copy(item))
                    by_id[item["id"]] = current[-1]
        else:
            target[key] = _copy(value)
    return target


def _identified(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(
        isinstance(v, dict) and "id" in v for v in value)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def record(ocid: str, releases: list[Release]) -> dict[str, Any]:
    ordered = sorted(releases, key=lambda r: (r["date"], r["id"]))
    compiled: dict[str, Any] = {}
    for item in ordered:
        merge(compiled, {k: v for k, v in item.items() if k not in ("id", "tag", "date")})
    compiled.update({"ocid": ocid, "id": f"{ocid}-compiled", "date": ordered[-1]["date"],
                     "tag": ["compiled"]})
    return {"ocid": ocid, "releases": ordered, "compiledRelease": compiled}


# --- packages --------------------------------------------------------------------------------


def _package(session: Session, uri: str) -> dict[str, Any]:
    settings = get_settings()
    return {
        "uri": settings.public_url + uri, "version": OCDS_VERSION,
        "publishedDate": _time(clock.now(session)),
        "publisher": {"name": "公共资源交易平台 (ggzy)", "uri": settings.public_url},
        "extensions": list(EXTENSIONS),
    }


def lookup_in(session: Session) -> Lookup:
    def lookup(tender_ref: str, kind: NoticeType, before_seq: int) -> Notice | None:
        return services.latest_of_type(session, tender_ref, kind, before_seq)

    return lookup


def releases_of(session: Session, notices: Iterable[Notice]) -> list[Release]:
    lookup = lookup_in(session)
    return [r for n in notices if (r := release(n, lookup)) is not None]


def release_package(session: Session, after_seq: int = -1, limit: int = 100,
                    uri: str = "/api/v1/ocds/releases") -> tuple[dict[str, Any], int | None]:
    """A page of releases in publication order; also the feed_seq to continue after."""
    notices = listing.changes(session, after_seq, limit)
    package = _package(session, uri)
    package["releases"] = releases_of(session, notices)
    more = len(notices) == max(1, min(limit, listing.FEED_LIMIT))
    return package, (notices[-1].feed_seq if more and notices else None)


def record_for(session: Session, tender_ref: str) -> dict[str, Any] | None:
    history = services.tender_history(session, tender_ref)
    releases = releases_of(session, history)
    return record(services.ocid_for(tender_ref), releases) if releases else None


def record_package(session: Session, tender_refs: Iterable[str],
                   uri: str = "/api/v1/ocds/records") -> dict[str, Any]:
    package = _package(session, uri)
    package["records"] = [r for ref in tender_refs if (r := record_for(session, ref))]
    return package


def full_release_package(session: Session) -> dict[str, Any]:
    """Every release (the ``ggzy ocds export`` file)."""
    package = _package(session, "/api/v1/ocds/releases")
    releases: list[Release] = []
    after = -1
    while True:
        notices = listing.changes(session, after, listing.FEED_LIMIT)
        releases.extend(releases_of(session, notices))
        if len(notices) < listing.FEED_LIMIT:
            break
        after = notices[-1].feed_seq or after
    package["releases"] = releases
    return package


def full_record_package(session: Session) -> dict[str, Any]:
    refs: list[str] = []
    while page := services.tender_refs_page(session, refs[-1] if refs else None, 500):
        refs.extend(page)
    return record_package(session, refs)


def tender_ref_of(ocid: str) -> str | None:
    prefix = services.ocid_prefix()
    return ocid.removeprefix(prefix) if ocid.startswith(prefix) else None
