"""The printable draw record (抽取记录): time, place, project, conditions, who drew and who
supervised, the commitment and both random values, the ranked result and the replacements,
with lines to sign. Staff and regulators only: it holds the experts' names (R-33)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Template

from expert_pool.draw_views_common import (
    LAW_KEY,
    REVEALED,
    VIEWERS,
    committee,
    committer,
    draw_state_key,
    find_draw,
    hex_value,
    requirements_of,
    section_label,
    specialty_name,
    specialty_names,
    user_name,
)
from expert_pool.models import PickState
from trading import db
from trading.web import blocking, language, render

# Picks whose seat passed to the next in rank: the record lists them with the reason.
REPLACED = frozenset({PickState.DECLINED.value, PickState.NO_ANSWER.value,
                      PickState.CANCELLED.value, PickState.RECUSED.value})


def _record_page(request: Request[Any, Any, Any], number: str) -> Template:
    lang = language(request)
    with db.read_only() as session:
        draw = find_draw(session, number)
        label = section_label(session, draw.tender_id, draw.section_id)
        requirements = requirements_of(session, draw)
        names = specialty_names(session, [r.specialty_code for r in requirements])
        blocks = committee(session, draw, True, lang)
        context: dict[str, Any] = {
            "draw": draw, "label": label, "law_key": LAW_KEY[label.government_procurement],
            "state_key": draw_state_key(draw.state),
            "requirements": [(r, specialty_name(names, r.specialty_code, lang)) for r in requirements],
            "blocks": blocks, "requested_by": user_name(session, draw.requested_by),
            "committed_by": committer(session, draw),
            "supervisor": user_name(session, draw.supervisor_user_id),
            "revealed": draw.state in REVEALED,
            "r_platform": hex_value(draw.r_platform) if draw.state in REVEALED else None,
            "replaced": [(b, row) for b in blocks for row in b.picks if row.pick.state in REPLACED],
        }
    return render(request, "expert_pool/draw_record.html", 200, **context)


@get("/experts/draws/{number:str}/record", include_in_schema=False, guards=[VIEWERS])
async def draw_record(request: Request[Any, Any, Any], number: FromPath[str]) -> Template:
    return await blocking(_record_page, request, number)


ROUTES: list[Any] = [draw_record]
