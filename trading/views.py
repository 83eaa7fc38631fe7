"""Core pages and endpoints: the public home page, language switch, time, health, the API's
account endpoints."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any

import msgspec
from kombu import Connection
from litestar import Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Redirect, Template
from sqlalchemy import text

from trading import clock, db, jobs
from trading.accounts import services as accounts
from trading.domain import HomePanel
from trading.params import text_length
from trading.settings import get_settings
from trading.web import LANG_COOKIE, blocking, client_ip, current_user, render, requires_role

HEARTBEAT_STALE_AFTER = dt.timedelta(minutes=2)


@get("/", include_in_schema=False)
async def index(request: Request[Any, Any, Any]) -> Template:
    return await blocking(_index, request)


# The home page is the core's; what it shows of the domains (the latest public notices and a
# search box, from disclosure) comes through their ``Domain.home_panels``, which ``trading.app``
# puts in the app's state: the core never imports a domain (import-linter), and each domain
# keeps its own queries and templates. Redirecting ``/`` to a domain's portal instead would make
# that domain the platform's front door and leave the other domains no say in it.
HOME_PANELS = "home_panels"


def _index(request: Request[Any, Any, Any]) -> Template:
    panels: Sequence[HomePanel] = request.app.state.get(HOME_PANELS, ())
    with db.read_only() as session:
        shown = [(panel, dict(panel.context(session))) for panel in panels]
    return render(request, "trading/index.html", panels=shown)


@get("/lang/{code:str}", include_in_schema=False)
async def switch_language(code: FromPath[str], next: FromQuery[str] = "/") -> Redirect:
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = Redirect(path=target, status_code=303)
    response.set_cookie(LANG_COOKIE, "en" if code == "en" else "zh-CN", samesite="lax",
                        max_age=365 * 24 * 3600, path="/")
    return response


class ServerTime(msgspec.Struct):
    utc: dt.datetime
    local: str
    timezone: str
    epoch_ms: int


@get("/api/v1/time", operation_id="getServerTime",
     summary="The server's database clock (the time every deadline is checked against)")
async def server_time() -> ServerTime:
    return await blocking(_server_time)


def _server_time() -> ServerTime:
    with db.read_only() as session:
        now = clock.now(session)
    return ServerTime(utc=now, local=clock.format_local(now), timezone=get_settings().timezone,
                      epoch_ms=int(now.timestamp() * 1000))


class Health(msgspec.Struct):
    status: str
    database: str
    broker: str
    worker: str
    last_heartbeat: dt.datetime | None
    server_time: dt.datetime | None
    # True when the test clock is on (tests and demos): server_time is then simulated.
    test_clock: bool = False


def _check_database() -> tuple[str, dt.datetime | None, dt.datetime | None]:
    try:
        with db.read_only() as session:
            session.execute(text("SELECT 1"))
            return "ok", clock.now(session), jobs.last_heartbeat(session)
    except Exception as error:
        return f"error: {type(error).__name__}", None, None


def _check_broker() -> str:
    try:
        with Connection(get_settings().broker_url, connect_timeout=3) as connection:
            connection.ensure_connection(max_retries=1, timeout=3)
        return "ok"
    except Exception as error:
        return f"error: {type(error).__name__}"


@get("/healthz", operation_id="getHealth",
     summary="State of the database, the broker and the last worker heartbeat")
async def healthz() -> Health:
    return await blocking(_healthz)


def _healthz() -> Health:
    database, now, heartbeat = _check_database()
    broker = _check_broker()
    if heartbeat is None:
        worker = "no heartbeat yet"
    elif now is not None and now - heartbeat > HEARTBEAT_STALE_AFTER:
        worker = "stale"
    else:
        worker = "ok"
    healthy = database == "ok" and broker == "ok"
    return Health(status="ok" if healthy else "degraded", database=database, broker=broker,
                  worker=worker, last_heartbeat=heartbeat, server_time=now,
                  test_clock=get_settings().test_clock)


class Me(msgspec.Struct):
    id: str
    username: str
    display_name: str
    roles: list[str]
    organization: str | None


@get("/api/v1/me", operation_id="getCurrentUser", guards=[requires_role()],
     summary="The account the bearer token belongs to")
async def me(request: Request[Any, Any, Any]) -> Me:
    user = current_user(request)
    assert user is not None
    return Me(id=str(user.id), username=user.username, display_name=user.display_name,
              roles=sorted(user.roles), organization=user.organization_name)


class BidderRegistration(msgspec.Struct, forbid_unknown_fields=True):
    org_name: Annotated[str, text_length(200)]
    credit_code: Annotated[str, text_length(18)]
    username: Annotated[str, text_length(64)]
    display_name: Annotated[str, text_length(100)]
    password: Annotated[str, text_length(1024)]


class Registered(msgspec.Struct):
    user_id: str
    organization_id: str | None


@post("/api/v1/bidder-registrations", operation_id="registerBidder",
      summary="Free self-registration of a bidder organization and its first user")
async def register_bidder(request: Request[Any, Any, Any], data: JSONBody[BidderRegistration]) -> Registered:
    return await blocking(_register_bidder, request, data)


def _register_bidder(request: Request[Any, Any, Any], data: BidderRegistration) -> Registered:
    with db.transaction() as session:
        user = accounts.register_bidder(
            session, client_ip(request), org_name=data.org_name, credit_code=data.credit_code,
            username=data.username, display_name=data.display_name, password=data.password,
        )
        return Registered(user_id=str(user.id),
                          organization_id=str(user.organization_id) if user.organization_id else None)


ROUTES = [index, switch_language, server_time, healthz, me, register_bidder]
