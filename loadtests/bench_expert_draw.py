"""A committee draw with full recusal over 100,000 experts and 50 bidders on PostgreSQL.

Times request → commit → the supervisor's contribution → the logged result, each step in its
own transaction as the API runs it (target: p95 < 50 ms), over ``BENCH_DRAW_RUNS`` draws
(default 30) of each of the two flows, alternating: a request committed at once (staff
drawing at the session: the rules are evaluated once) and a request committed later
(prepared in advance: evaluated at the request for its live count and again at the commit).
Prints p50/p95 of the whole and of each step.

Each draw asks for three specialties. The pool is spread over ``BENCH_DRAW_SPECIALTIES`` codes
(default 50: about 2,300 candidates per specialty, the hard case; ``make bench-draw`` also runs
316, the size of the seeded classification: about 350 per specialty), a tenth of the experts
in a second one; bidder employees, shareholdings, absences, suspensions and poor records are
spread over every specialty.

The database: ``GGZY_DATABASE_URL`` when it names PostgreSQL (a migrated scratch database: the
pool is added to it), otherwise a fresh database created and dropped through
``GGZY_TEST_PG_DSN`` (as the tests). The section's facts (its 50 bidders' credit codes, the
tenderee) are given to the draw directly instead of building a tender with 50 sealed bids:
``bidding.services.section_facts`` is three indexed reads by primary key, the same for any
pool size, while everything that grows with the pool is measured.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import random
import statistics
import time
import uuid
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from sqlalchemy import Table

EXPERTS = int(os.environ.get("BENCH_DRAW_EXPERTS", "100000"))
BIDDERS = 50
RUNS = int(os.environ.get("BENCH_DRAW_RUNS", "30"))
SPECIALTIES = int(os.environ.get("BENCH_DRAW_SPECIALTIES", "50"))
CHUNK = 5000


def _code(serial: int) -> str:
    from trading.accounts.credit_code import check_character

    first17 = f"91140300MB{serial:07d}"
    return first17 + check_character(first17)


def _second(serial: int) -> int:
    """Another specialty than the main one (``serial % SPECIALTIES``)."""
    return (serial % SPECIALTIES + 1 + serial // 10 % 7) % SPECIALTIES


def _core_table(model: type[Any]) -> Table:
    # Mapped classes declare ``__table__`` as a FromClause; a declarative model's is a Table.
    return cast("Table", model.__table__)


def _load(rng: random.Random) -> tuple[list[str], str]:
    """The pool: experts over 50 specialties, with employers, conflicts, absences, records."""
    from sqlalchemy import insert

    from expert_pool.models import (
        EXPERT_SERIES,
        DeclaredConflict,
        Expert,
        ExpertSpecialty,
        IntegrityRecord,
        SerialCounter,
        Specialty,
        Unavailability,
    )
    from trading import clock, db

    bidders = [_code(i) for i in range(BIDDERS)]
    tenderee = _code(900_000)
    with db.transaction() as session:
        now = clock.now(session)
        today = clock.legal_day(now)
        session.execute(insert(Specialty), [{"code": "Z", "parent_code": None, "name_zh": "基准",
                                             "name_en": "bench", "level": 1, "active": True}])
        session.execute(insert(Specialty), [
            {"code": f"Z{i:03d}", "parent_code": "Z", "name_zh": f"基准专业 {i}", "name_en": "",
             "level": 2, "active": True} for i in range(SPECIALTIES)])
    for start in range(0, EXPERTS, CHUNK):
        experts, links, conflicts, absences, records = [], [], [], [], []
        for serial in range(start, min(start + CHUNK, EXPERTS)):
            expert_id = uuid.uuid4()
            employer = bidders[serial % BIDDERS] if serial % 97 == 0 else _code(10_000 + serial % 20_000)
            experts.append({
                "id": expert_id, "number": f"E{serial + 1:06d}", "user_id": None,
                "name": f"专家{serial}", "id_number": f"B{serial:017d}", "sex": "male",
                "mobile": f"139{serial:08d}", "email": "", "employer_name": "单位",
                "employer_credit_code": employer, "region": "山西省阳泉市", "education": "bachelor",
                "title": 1 + serial % 4, "title_name": "", "title_date": None,
                "years_in_specialty": serial % 30, "expert_type": "technical", "pool": "platform",
                "status": "suspended" if serial % 101 == 0 else "in_pool", "status_reason": "",
                "status_basis": "", "penalized_from": None, "penalized_until": None, "version": 1,
                "created_at": now, "updated_at": now})
            links.append({"expert_id": expert_id, "specialty_code": f"Z{serial % SPECIALTIES:03d}",
                          "is_main": True})
            if serial % 10 == 0:
                links.append({"expert_id": expert_id, "is_main": False,
                              "specialty_code": f"Z{_second(serial):03d}"})
            if serial % 21 == 1:  # moduli prime to SPECIALTIES: spread over every specialty
                conflicts.append({"expert_id": expert_id, "kind": "shareholding",
                                  "organization_name": "某公司", "detail": "", "started_on": None,
                                  "ended_on": None, "credit_code": rng.choice(bidders) if serial % 3
                                  else _code(50_000 + serial)})
            if serial % 33 == 2:
                first = today + dt.timedelta(days=rng.randrange(60))
                absences.append({"expert_id": expert_id, "starts_on": first,
                                 "ends_on": first + dt.timedelta(days=3), "reason": ""})
            if serial % 47 == 3:
                records += [{"expert_id": expert_id, "kind": "decline", "occurred_on": today,
                             "until": None, "basis": "", "detail": "", "recorded_at": now}] * 3
        with db.transaction() as session:  # plain Core: loading bypasses the ORM's events
            connection = session.connection()
            connection.execute(insert(_core_table(Expert)), experts)
            connection.execute(insert(_core_table(ExpertSpecialty)), links)
            connection.execute(insert(_core_table(DeclaredConflict)), conflicts)
            if absences:
                connection.execute(insert(_core_table(Unavailability)), absences)
            if records:
                connection.execute(insert(_core_table(IntegrityRecord)), records)
    with db.transaction() as session:  # the numbers given, as create_expert's counter would
        session.add(SerialCounter(series=EXPERT_SERIES, last=EXPERTS))
    with db.transaction() as session:
        from sqlalchemy import text

        from expert_pool import drawable

        drawable.rebuild(session.connection())  # what the events do for the pool's own writes
    # As autovacuum leaves a table that has settled: statistics, and the visibility map that
    # lets the projection's index-only scan skip the heap (VACUUM cannot run in a transaction).
    with db.get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    return bidders, tenderee


def _loaded() -> bool:
    from sqlalchemy import func, select

    from expert_pool.models import Expert
    from trading import db

    with db.read_only() as session:
        return (session.scalar(select(func.count()).select_from(Expert)) or 0) >= EXPERTS


def _facts(bidders: list[str], tenderee: str) -> Any:
    from bidding.committee_facts import BidderFacts
    from bidding.services import SectionFacts

    def facts(session: Any, tender_id: uuid.UUID, section_id: uuid.UUID) -> SectionFacts:
        return SectionFacts(tender_id, section_id, "基准项目", "标段一", 1, "procurement", "山西省",
                            50_000_000_00, "招标人", tenderee, None, "closed",
                            tuple(BidderFacts(f"投标人{i}", code) for i, code in enumerate(bidders)))

    return facts


def _supervisor() -> uuid.UUID:
    from trading import db
    from trading.accounts import services as accounts
    from trading.accounts.models import OrganizationKind, Role
    from trading.audit import Actor

    with db.transaction() as session:
        org = accounts.create_organization(session, Actor.system("bench"), "监管部门",
                                           OrganizationKind.REGULATOR, None)
        user = accounts.create_user(session, Actor.system("bench"), username=f"bench-{uuid.uuid4().hex[:6]}",
                                    display_name="监督人", password="bench-password-long",
                                    roles=[Role.REGULATOR], organization=org)
        return user.id


def _run(supervisor: uuid.UUID, rng: random.Random, index: int,
         at_once: bool) -> tuple[float, float, float]:
    from expert_pool import drawing
    from trading import clock, db
    from trading.audit import Actor

    actor = Actor.system("bench")
    codes = rng.sample([f"Z{i:03d}" for i in range(SPECIALTIES)], 3)
    with db.read_only() as session:
        now = clock.now(session)
    data = drawing.DrawInput(
        tender_id=uuid.uuid4(), section_id=uuid.uuid4(), committee_size=9,
        tenderee_representatives=2,
        requirements=[drawing.RequirementInput(codes[0], 3), drawing.RequirementInput(codes[1], 2),
                      drawing.RequirementInput(codes[2], 2)],
        evaluation_at=now + dt.timedelta(days=1 + index % 20), place="评标室",
        supervisor_user_id=supervisor, min_title=1, cap_draws=3, cap_days=30)
    started = time.perf_counter()
    with db.transaction() as session:
        draw_id = drawing.request_draw(session, actor, uuid.uuid4(), data, commit_now=at_once).id
    requested = time.perf_counter()
    if not at_once:
        with db.transaction() as session:
            drawing.commit(session, actor, draw_id)
    committed = time.perf_counter()
    with db.transaction() as session:
        drawing.contribute(session, actor, supervisor, draw_id, f"bench {index}")
    drawn = time.perf_counter()
    return requested - started, committed - requested, drawn - committed


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def _measure() -> None:
    from expert_pool import draw_checks

    rng = random.Random(11)
    started = time.perf_counter()
    if _loaded():
        bidders, tenderee = [_code(i) for i in range(BIDDERS)], _code(900_000)
    else:
        bidders, tenderee = _load(rng)
    print(f"  {EXPERTS:,} experts over {SPECIALTIES} specialties, {BIDDERS} bidders loaded in "
          f"{time.perf_counter() - started:.0f} s",
          flush=True)
    draw_checks.bidding.section_facts = _facts(bidders, tenderee)  # type: ignore[attr-defined]
    supervisor = _supervisor()
    gc.freeze()  # as the server's processes do after start (trading.http_server.served_app)
    for warm in range(3):
        _run(supervisor, rng, 100 + warm, True)
        _run(supervisor, rng, 110 + warm, False)
    # The two flows alternate, so that both see the same machine and the same growing history.
    runs = [(_run(supervisor, rng, 2 * i, True), _run(supervisor, rng, 2 * i + 1, False))
            for i in range(RUNS)]
    _report("request committed at once (drawn at the session)", [run[0] for run in runs],
            ("request + commit (checks, recusal, pool hash)", None))
    _report("request, then commit (prepared in advance)", [run[1] for run in runs],
            ("request (checks + live count)", "commit (recusal + pool hash)"))


def _report(flow: str, steps: list[tuple[float, float, float]],
            labels: tuple[str, str | None]) -> None:
    totals = [sum(s) * 1000 for s in steps]
    print(f"  {flow}: request → logged result over {RUNS} draws: p50 "
          f"{_percentile(totals, 0.5):.1f} ms, p95 {_percentile(totals, 0.95):.1f} ms, "
          f"mean {statistics.mean(totals):.1f} ms")
    for i, label in enumerate((*labels, "contribution (seed, ranking, picks, result)")):
        if label is None:
            continue
        part = [s[i] * 1000 for s in steps]
        print(f"    {label:<48} p50 {_percentile(part, 0.5):6.1f} ms  p95 "
              f"{_percentile(part, 0.95):6.1f} ms")


def main() -> None:
    from loadtests.scratch import scratch_postgres
    from trading.app import load_domains

    load_domains()
    given = os.environ.get("GGZY_DATABASE_URL", "")
    if given.startswith("postgresql"):
        print(f"  on {given.rsplit('@', 1)[-1]}")
        _measure()
        return
    with scratch_postgres("ggzy_bench_draw"):
        _measure()


if __name__ == "__main__":
    main()
