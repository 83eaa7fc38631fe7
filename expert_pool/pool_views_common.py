"""What the pool's pages share: guards, the record form, the detail context, success notices."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.response import Template
from sqlalchemy.orm import Session

from expert_pool import importer, pool, pool_changes, pool_lifecycle, specialties
from expert_pool.idcard import mask_id_number, mask_mobile
from expert_pool.models import Expert
from trading.accounts.models import Role
from trading.accounts.services import CurrentUser
from trading.errors import NotFoundError, UserError
from trading.params import INT32_MAX
from trading.web import current_user, language, render, requires_role

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
STAFF = requires_role(Role.STAFF)
VIEWERS = requires_role(Role.STAFF, Role.ADMIN, Role.REGULATOR)
ADMIN = requires_role(Role.ADMIN)
EXPERTS = requires_role(Role.EXPERT)
RowId = Annotated[int, Parameter(ge=1, le=INT32_MAX, description="A row id (1 … 2^31−1)")]
PageNo = Annotated[int, Parameter(ge=1, le=100_000, description="A page number (1 … 100000)")]
DONE = frozenset({"created", "saved", "unchanged", "status", "unavailability", "conflict",
                  "integrity", "imported", "decided", "applied", "requested", "specialty"})
FORM_FIELDS = ("name", "id_number", "sex", "mobile", "email", "employer_name",
               "employer_credit_code", "region", "education", "title", "title_name", "title_date",
               "years_in_specialty", "expert_type", "pool", "main_specialty", "other_specialties",
               "qualifications")


def user_of(request: Request[Any, Any, Any]) -> CurrentUser:
    user = current_user(request)
    assert user is not None  # behind a guard
    return user


def is_staff(request: Request[Any, Any, Any]) -> bool:
    user = current_user(request)
    return user is not None and Role.STAFF.value in user.roles


def done_key(done: str | None) -> str | None:
    return f"pool.done.{done}" if done in DONE else None


def find(session: Session, number: str) -> Expert:
    if not pool.NUMBER.fullmatch(number):
        raise NotFoundError("专家", "Expert")
    return pool.expert_by_number(session, number)


def input_from_form(data: dict[str, Any]) -> pool.ExpertInput:
    def text(name: str) -> str:
        return str(data.get(name, ""))[:2000]

    main = text("main_specialty").strip().upper()
    others = [c.upper() for c in importer.split_codes(text("other_specialties"))]
    return pool.ExpertInput(
        name=text("name"), id_number=text("id_number"), sex=text("sex"), mobile=text("mobile"),
        email=text("email"), employer_name=text("employer_name"),
        employer_credit_code=text("employer_credit_code") or None, region=text("region"),
        education=text("education"), title=text("title") or "0", title_name=text("title_name"),
        title_date=text("title_date") or None, years_in_specialty=text("years_in_specialty") or "0",
        expert_type=text("expert_type"), pool=text("pool") or "platform",
        specialties=[main, *[c for c in others if c != main]] if main else others,
        main_specialty=main,
        qualifications=importer.parse_qualifications(text("qualifications").replace("\n", "；")))


def form_values(data: pool.ExpertInput) -> dict[str, str]:
    """The form's fields for an input (to prefill an edit form)."""
    values = {name: "" if getattr(data, name, None) is None else str(getattr(data, name))
              for name in FORM_FIELDS if hasattr(data, name)}
    values["other_specialties"] = "，".join(c for c in data.specialties if c != data.main_specialty)
    values["qualifications"] = "\n".join(
        "/".join(str(v or "") for v in (q.name, q.certificate_number, q.issued_on, q.valid_until))
        for q in data.qualifications)
    return values


def submitted(data: dict[str, Any]) -> dict[str, str]:
    return {k: str(v)[:2000] for k, v in data.items() if k in FORM_FIELDS}


def form_page(request: Request[Any, Any, Any], session: Session, *, action: str, heading: str,
              values: dict[str, str], staff_form: bool, status: int = 200,
              error: UserError | None = None, intro: str | None = None,
              cancel: str = "/experts") -> Template:
    return render(request, "expert_pool/pool_form.html", status_code=status, action=action,
                  heading=heading, values=values, staff_form=staff_form, intro=intro,
                  cancel=cancel, error=error.message(language(request)) if error else None,
                  error_field=error.field if error else None,
                  choices=specialties.active_choices(session), sexes=pool.SEXES,
                  educations=pool.EDUCATIONS, titles=[int(t) for t in pool.TITLES],
                  types=pool.TYPES, pools=pool.POOLS)


def detail_context(session: Session, expert: Expert, lang: str) -> dict[str, Any]:
    links = pool.links_of(session, expert)
    return {
        "expert": expert, "masked_id": mask_id_number(expert.id_number),
        "masked_mobile": mask_mobile(expert.mobile),
        "links": links, "names": specialties.names(session, [x.specialty_code for x in links], lang),
        "qualifications": pool.qualifications_of(session, expert),
        "unavailable": pool_lifecycle.unavailability_of(session, expert),
        "conflicts": pool.conflicts_of(session, expert),
        "integrity": pool.integrity_of(session, expert),
        "requests": pool_changes.requests_of(session, expert),
        "pending": pool_changes.pending_of(session, expert),
        "actions": [a for a, (starts, _) in pool_lifecycle.TRANSITIONS.items()
                    if expert.status in starts],
        "conflict_kinds": list(pool.CONFLICT_KINDS),
    }


def own_expert(session: Session, user: CurrentUser) -> Expert:
    expert = pool.expert_for_user(session, user.id)
    if expert is None:
        raise UserError("您还没有专家记录，请先申请", "You have no expert record; apply first",
                        status=404, code="not_found")
    return expert


def user_uuid(request: Request[Any, Any, Any]) -> uuid.UUID:
    return user_of(request).id
