"""Assembles the platform: the core plus every domain's plugin.

This is the only module of the core allowed to import the domains (an import-linter contract
checks it); the worker and the CLI reach the domains through ``load_domains()`` here.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.handlers import HTTPRouteHandler
from litestar.logging import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig
from swagger_ui_bundle import swagger_ui_path

from bidding.plugin import domain as bidding_domain
from disclosure.plugin import domain as disclosure_domain
from expert_pool.plugin import domain as expert_pool_domain
from supervision.plugin import domain as supervision_domain
from trading import clock, i18n
from trading.accounts import admin_views
from trading.accounts import views as account_views
from trading.domain import Domain, NavItem
from trading.errors import UserError
from trading.intake.plugin import domain as intake_domain
from trading.json_limits import LimitedRequest
from trading.limits import RequestSizeMiddleware
from trading.proxy import ForwardedHeadersMiddleware, parse_proxies
from trading.settings import get_settings

DOMAINS: tuple[Domain, ...] = (
    supervision_domain,
    bidding_domain,
    expert_pool_domain,
    disclosure_domain,
    intake_domain,
)

CORE_DIR = Path(__file__).parent

CORE_NAV: tuple[NavItem, ...] = (
    NavItem("nav.users", "/admin/users", frozenset({"admin"})),
    NavItem("nav.calendar", "/admin/calendar", frozenset({"admin", "staff"})),
)


@cache
def load_domains() -> tuple[Domain, ...]:
    """Import every domain's models and run its start-up hook (once per process)."""
    importlib.import_module("trading.models")
    for domain in DOMAINS:
        if domain.models_module:
            importlib.import_module(domain.models_module)
        if domain.on_load:
            domain.on_load()
        i18n.add_messages(domain.messages)
    return DOMAINS


def navigation(roles: frozenset[str]) -> list[NavItem]:
    items = [*CORE_NAV, *(item for domain in DOMAINS for item in domain.nav)]
    return [item for item in items if not item.roles or not item.roles.isdisjoint(roles)]


def _template_engine(directories: list[Path], reload: bool) -> JinjaTemplateEngine:
    environment = Environment(
        loader=FileSystemLoader([str(d) for d in directories]),
        # Checking every template file's mtime on each render costs a system call per
        # template per page: only worth it while developing.
        auto_reload=reload,
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["local_time"] = clock.format_local
    environment.globals["navigation"] = navigation
    environment.globals["public_navigation"] = lambda: navigation(frozenset())
    engine = JinjaTemplateEngine.from_environment(environment)

    def t(context: Mapping[str, Any], /, key: str, **values: Any) -> str:
        return i18n.translate(key, context.get("lang", "zh-CN"), **values)

    engine.register_template_callable("t", t)
    return engine


BEARER_SCHEME = "bearerAuth"
BEARER_DESCRIPTION = (
    "An API token of the calling user, sent as `Authorization: Bearer <token>`. A user creates "
    "tokens on the web page 账户 / Account (`/account`, section 接口令牌 / API tokens) after "
    "logging in; the token (`ggzy_` followed by 43 base64url characters) is shown only once and "
    "can be revoked there. Bidders register for free at `/register` (or `POST "
    "/api/v1/bidder-registrations`). The API takes no cookies; a missing or revoked token is "
    "answered 401, a token without the needed role 403."
)


# The API docs UI (/schema) loads Swagger UI from the swagger-ui-bundle-v2 distribution, served
# here, never from a CDN: the platform runs on networks without internet access, and the docs
# page's CSP (trading.web.DOCS_CSP) allows only this origin anyway.
SWAGGER_UI_STATIC = "/static/swagger-ui"


def swagger_ui_plugin() -> SwaggerRenderPlugin:
    return SwaggerRenderPlugin(
        js_url=f"{SWAGGER_UI_STATIC}/swagger-ui-bundle.js",
        css_url=f"{SWAGGER_UI_STATIC}/swagger-ui.css",
        standalone_preset_js_url=f"{SWAGGER_UI_STATIC}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{SWAGGER_UI_STATIC}/favicon-32x32.png'>",
    )


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="ggzy — 公共资源交易平台 API", version="1", path="/schema",
        render_plugins=[swagger_ui_plugin()],
        description="Errors are RFC 9457 problem details (`application/problem+json`) whose "
                    "`title` is a machine-readable code. The sealed-bid upload and its receipt "
                    "are specified in docs/envelope.md.",
        components=Components(security_schemes={BEARER_SCHEME: SecurityScheme(
            type="http", scheme="bearer", bearer_format="ggzy API token",
            description=BEARER_DESCRIPTION)}),
    )


def declare_bearer_auth(route_handlers: list[Any]) -> None:
    """Declare the bearer scheme on every API operation behind a guard (every guard is a role
    check that answers 401 without a user), so the OpenAPI document follows the guards instead
    of a second list. Documentation only; a handler that declares its own ``security`` keeps
    it."""
    from trading.web import is_api

    for handler in route_handlers:
        if (isinstance(handler, HTTPRouteHandler) and handler.guards
                and handler.security is None and any(is_api(p) for p in handler.paths)):
            handler.security = [{BEARER_SCHEME: []}]


def create_app() -> Litestar:
    from trading import calendar_views, openapi_errors, web
    from trading import views as core_views

    domains = load_domains()
    settings = get_settings()
    parse_proxies(settings.trusted_proxies)  # a mistyped proxy stops start-up, not a request
    template_dirs = [CORE_DIR / "templates"] + [d.template_dir for d in domains if d.template_dir]
    route_handlers: list[Any] = [
        *core_views.ROUTES,
        *account_views.ROUTES,
        *admin_views.ROUTES,
        *calendar_views.ROUTES,
        create_static_files_router(path="/static", directories=[CORE_DIR / "static"],
                                   include_in_schema=False),
        create_static_files_router(path=SWAGGER_UI_STATIC, directories=[Path(swagger_ui_path)],
                                   include_in_schema=False),
        *(handler for domain in domains for handler in domain.route_handlers),
    ]
    declare_bearer_auth(route_handlers)
    return Litestar(
        route_handlers=route_handlers,
        request_class=LimitedRequest,  # JSON bodies: size, depth, UTF-8 (trading.json_limits)
        template_config=TemplateConfig(engine=_template_engine(template_dirs, settings.debug)),
        csrf_config=CSRFConfig(
            secret=settings.secret_key, cookie_name="ggzy_csrf", exclude=["/api/"],
            cookie_samesite="lax", cookie_secure=settings.cookies_always_secure,
        ),
        # The default body limit of every route that declares none; trading.limits applies it
        # (and each route's own) before anything reads a body.
        request_max_body_size=settings.max_body_bytes,
        # Order matters (first = outermost; Litestar nests its CSRF middleware inside all of
        # these): the client address and scheme are settled first (trusted proxies), then the
        # user (headers only), then the size policy — before CSRF parses any form body.
        middleware=[
            ForwardedHeadersMiddleware(),
            *(m for d in domains for m in d.middleware),
            web.AuthenticationMiddleware(),
            RequestSizeMiddleware(),
        ],
        before_send=[web.add_security_headers],
        on_startup=[web.limit_threads, openapi_errors.document_errors],
        exception_handlers={
            UserError: web.handle_user_error,
            HTTPException: web.handle_http_error,
            Exception: web.handle_server_error,
        },
        openapi_config=openapi_config(),
        state=State({core_views.HOME_PANELS: tuple(
            panel for domain in domains for panel in domain.home_panels)}),
        logging_config=LoggingConfig(log_exceptions="debug", disable_stack_trace={404, 401, 403}),
        debug=settings.debug,
    )
