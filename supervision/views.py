"""The regulator's portal (read-only HTML) and the alerts page of the responsible staff.

Every page here only reads: regulators may look at everything and change nothing.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from litestar.response import Stream, Template

from supervision import alerts, charts, checkpoints, draws, merkle, readable, redflags, services
from supervision.action_labels import ACTIONS
from supervision.controllers import export_chunks
from trading import db
from trading.accounts.models import Role
from trading.errors import NotFoundError
from trading.i18n import translate
from trading.params import Cursor
from trading.web import blocking, current_user, language, requires_role
from trading.web import render as render_page

REGULATOR = [requires_role(Role.REGULATOR)]
Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
PAGE = 100
RECENT = 50  # subjects offered by the timeline page when none is asked for
MAX_SUBJECT = 300  # longer than any subject the platform logs


def as_json(value: Any) -> str:
    """Readable JSON for pages (Chinese kept as is; the template escapes it)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def render(request: Request[Any, Any, Any], template: str, **context: Any) -> Template:
    return render_page(request, template, as_json=as_json, **context)


@get("/supervision", include_in_schema=False, guards=REGULATOR)
async def dashboard(request: Request[Any, Any, Any]) -> Template:
    return await blocking(_dashboard, request)


def _dashboard(request: Request[Any, Any, Any]) -> Template:
    lang = language(request)
    with db.read_only() as session:
        alert_counts = alerts.count_by_state(session)
        tender_states = services.state_counts(session, "tender.")
        per_month = redflags.flags_per_month(session)
        overdue = [a for a in alerts.list_alerts(session) if a.effective_state == "red"]
        latest = checkpoints.latest_checkpoint(session)
        size = services.published_size(session)  # never the live size (issue 10)
        namer = readable.Namer(session, lang, [a.subject for a in overdue])
    # A tender's state is its latest tender.* step, shown by the step's label (issue 13).
    tender_rows = sorted((readable.action_label(action, lang), count)
                         for action, count in tender_states.items())
    state_rows = [(translate(f"supervision.state.{k}", lang), v) for k, v in alert_counts.items()]
    return render(
        request, "supervision/dashboard.html",
        alert_chart=charts.bar_chart(translate("supervision.chart.alerts", lang), state_rows,
                                     colours=[charts.COLOURS[k] for k in alert_counts]),
        alert_rows=state_rows,
        tender_chart=charts.bar_chart(translate("supervision.chart.tenders", lang),
                                      tender_rows),
        tender_rows=tender_rows, namer=namer,
        flag_chart=charts.bar_chart(translate("supervision.chart.flags", lang), per_month, "#6a1b9a"),
        overdue=overdue, latest=latest, size=size,
    )


@get("/supervision/alerts", include_in_schema=False, guards=REGULATOR)
async def alerts_page(request: Request[Any, Any, Any], cleared: FromQuery[bool] = False) -> Template:
    return await blocking(_alerts_page, request, None, cleared)


@get("/supervision/my-alerts", include_in_schema=False, guards=[requires_role()])
async def my_alerts_page(request: Request[Any, Any, Any]) -> Template:
    user = current_user(request)
    assert user is not None
    # Only the caller's organization's alerts (and those of none): issue 10, item 4.
    org = str(user.organization_id) if user.organization_id else None
    return await blocking(_alerts_page, request, frozenset(user.roles), False, org)


def _alerts_page(request: Request[Any, Any, Any], roles: frozenset[str] | None,
                 cleared: bool, organization_id: str | None = None) -> Template:
    with db.read_only() as session:
        found = alerts.list_alerts(session, roles, include_cleared=cleared,
                                   organization_id=organization_id)
        namer = readable.Namer(session, language(request), [a.subject for a in found])
    return render(request, "supervision/alerts.html", alerts=found, mine=roles is not None,
                  cleared=cleared, namer=namer)


@get("/supervision/red-flags", include_in_schema=False, guards=REGULATOR)
async def red_flags_page(request: Request[Any, Any, Any], tender: FromQuery[str | None] = None) -> Template:
    return await blocking(_red_flags_page, request, tender)


def _red_flags_page(request: Request[Any, Any, Any], tender: str | None) -> Template:
    with db.read_only() as session:
        flags = redflags.list_flags(session, tender)
        # Flags are raised at the close and the opening, when who bid is no longer secret.
        namer = readable.Namer(session, language(request),
                               [f.tender_subject for f in flags] + ([tender] if tender else []),
                               [b for f in flags for b in f.bidders])
    return render(request, "supervision/red_flags.html", flags=flags, tender=tender, namer=namer)


@get("/supervision/projects", include_in_schema=False, guards=REGULATOR)
async def projects_page(request: Request[Any, Any, Any]) -> Template:
    return await blocking(_projects_page, request)


def _projects_page(request: Request[Any, Any, Any]) -> Template:
    with db.read_only() as session:
        # tender:<id> (its jobs) and tender/<id> (its steps) are one tender: listed once.
        found = _distinct(services.subjects(session, "tender"))
        namer = readable.Namer(session, language(request), found)
    return render(request, "supervision/projects.html", subjects=found, namer=namer)


def _distinct(subjects: list[str]) -> list[str]:
    seen: set[tuple[str, str]] = set()
    kept = []
    for subject in subjects:
        key = readable.split_subject(subject)
        if key not in seen:
            seen.add(key)
            kept.append(subject)
    return kept


@get("/supervision/timeline", include_in_schema=False, guards=REGULATOR)
async def timeline_page(
    request: Request[Any, Any, Any],
    subject: FromQuery[str | None] = None,
    after: FromQuery[Cursor] = -1,
) -> Template:
    return await blocking(_timeline_page, request, (subject or "").strip()[:MAX_SUBJECT], after)


def _timeline_page(request: Request[Any, Any, Any], subject: str, after: int) -> Template:
    lang = language(request)
    with db.read_only() as session:
        if not subject:  # no subject asked for: a form and the recent subjects, not an error
            recent = _distinct(services.recent_subjects(session, services.published_size(session),
                                                        limit=RECENT))
            return render(request, "supervision/timeline.html", subject="", steps=[],
                          latest=None, next_after=None, recent=recent,
                          namer=readable.Namer(session, lang, recent))
        # Up to the newest signed checkpoint, like every other reader of the log: a bid made a
        # minute ago shows up with the next checkpoint, and the live size is told to nobody.
        found = services.entries(session, subjects=readable.aliases(subject), after=after,
                                 limit=PAGE, before=services.published_size(session))
        latest = checkpoints.latest_checkpoint(session)
        steps = [_proven(session, entry, latest) for entry in found]
        namer = readable.namer_for(session, lang, found, [subject])
        shown = readable.show(namer, found)
    for step, one in zip(steps, shown, strict=True):
        step["shown"] = one
    return render(request, "supervision/timeline.html", subject=subject, steps=steps,
                  latest=latest, next_after=found[-1].seq if len(found) == PAGE else None,
                  recent=[], namer=namer)


def _proven(session: Any, entry: services.Entry,
            latest: checkpoints.SignedCheckpoint | None) -> dict[str, Any]:
    """The entry, its audit path to the newest checkpoint, and whether that path verifies
    (checked here from the entry's own bytes, so the page shows a proof, not a claim)."""
    if latest is None or entry.seq >= latest.size:
        return {"entry": entry, "proof": [], "verified": None}
    proof = services.inclusion_proof(session, entry.seq, latest.size)
    try:
        merkle.verify_inclusion(merkle.leaf_hash(entry.canonical), entry.seq, latest.size, proof,
                                latest.root)
        verified = True
    except merkle.ProofError:
        verified = False
    return {"entry": entry, "proof": [p.hex() for p in proof], "verified": verified}


@get("/supervision/notices", include_in_schema=False, guards=REGULATOR)
async def notices_page(request: Request[Any, Any, Any], after: FromQuery[Cursor] = -1) -> Template:
    return await blocking(_prefixed_page, request, "notice.", after, "supervision/notices.html")


def _prefixed_page(request: Request[Any, Any, Any], prefix: str, after: int,
                   template: str) -> Template:
    with db.read_only() as session:
        found = services.entries(session, action_prefix=prefix, after=after, limit=PAGE)
        shown = readable.show(readable.namer_for(session, language(request), found), found)
    return render(request, template, entries=shown,
                  next_after=found[-1].seq if len(found) == PAGE else None)


@get("/supervision/draws", include_in_schema=False, guards=REGULATOR)
async def draws_page(request: Request[Any, Any, Any]) -> Template:
    return await blocking(_draws_page, request)


def _draws_page(request: Request[Any, Any, Any], verify: str | None = None) -> Template:
    with db.read_only() as session:
        checks = [draws.check_draw(subject, services.entries(session, subject=subject, limit=500))
                  for subject in services.subjects(session, "draw:")]
        verified = None
        if verify is not None:
            if not verify.startswith(draws.SUBJECT_PREFIX) or len(verify) > 200:
                raise NotFoundError("抽取", "Draw")
            found = services.entries(session, subject=verify, limit=10_000)
            if not found:
                raise NotFoundError("抽取", "Draw")
            verified = draws.check_draw(verify, found)
    return render(request, "supervision/draws.html", checks=checks, verified=verified)


@post("/supervision/draws/verify", include_in_schema=False, guards=REGULATOR, status_code=200)
async def verify_draw(request: Request[Any, Any, Any], data: Form) -> Template:
    """One click: re-run one draw from its log entries and say match or mismatch, and where."""
    return await blocking(_draws_page, request, str(data.get("subject", "")))


@get("/supervision/log", include_in_schema=False, guards=REGULATOR)
async def log_page(
    request: Request[Any, Any, Any],
    after: FromQuery[Cursor] = -1,
    action: FromQuery[str | None] = None,
) -> Template:
    return await blocking(_log_page, request, after, action)


def _log_page(request: Request[Any, Any, Any], after: int, action: str | None) -> Template:
    lang = language(request)
    with db.read_only() as session:
        size = services.published_size(session)  # never the live size (issue 10)
        found = services.entries(session, action=action or None, after=after, limit=PAGE,
                                 before=size)
        latest = checkpoints.latest_checkpoint(session)
        shown = readable.show(readable.namer_for(session, lang, found), found)
    choices = sorted(((name, readable.action_label(name, lang)) for name in ACTIONS),
                     key=lambda pair: pair[0])
    return render(request, "supervision/log.html", entries=shown, latest=latest, size=size,
                  action=action or "", actions=choices,
                  next_after=found[-1].seq if len(found) == PAGE else None)


@get("/supervision/export.jsonl", include_in_schema=False, guards=REGULATOR)
async def export_download() -> Stream:
    await blocking(_require_checkpoint)
    return Stream(content=export_chunks(), media_type="application/jsonl",
                  headers={"content-disposition": 'attachment; filename="ggzy-log.jsonl"'})


def _require_checkpoint() -> None:
    with db.read_only() as session:
        if checkpoints.latest_checkpoint(session) is None:
            raise NotFoundError("检查点", "checkpoint")


ROUTES = [dashboard, alerts_page, my_alerts_page, red_flags_page, projects_page, timeline_page,
          notices_page, draws_page, verify_draw, log_page, export_download]
