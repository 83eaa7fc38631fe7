"""Account operations: registration, log-in with throttling, web sessions, API tokens, roles.

Every state change is recorded in the supervision log in the same transaction. Passwords are
hashed with Argon2id (argon2-cffi); tokens are random and only their SHA-256 is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trading import audit, clock
from trading.accounts import devices, throttle
from trading.accounts.credit_code import CreditCodeError, validate_credit_code
from trading.accounts.models import (
    ApiToken,
    Organization,
    OrganizationKind,
    Role,
    User,
    UserRole,
    WebSession,
)
from trading.audit import Actor
from trading.errors import ConflictError, NotFoundError, UserError
from trading.settings import get_settings

SESSION_LIFETIME = dt.timedelta(hours=12)
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
MIN_PASSWORD_LENGTH = 10



@lru_cache(maxsize=2)
def _hasher_for(environment: str) -> PasswordHasher:
    # Argon2id with argon2-cffi's default (RFC 9106 low-memory) parameters; under GGZY_ENV=test
    # the library's CHEAPEST profile, as it recommends for tests, since a suite that creates
    # thousands of users would otherwise spend minutes hashing. Each hash carries its own
    # parameters, so a cheap hash that reached a real deployment would still verify and be
    # re-hashed at the next log-in (check_needs_rehash).
    if environment == "test":
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher()


def _hasher() -> PasswordHasher:
    return _hasher_for(get_settings().environment)


@lru_cache(maxsize=2)
def _dummy_hash(environment: str) -> str:
    # Verifying against a real hash for unknown usernames keeps the timing of "no such user"
    # equal to "wrong password", so the log-in form does not reveal which accounts exist.
    return _hasher_for(environment).hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class CurrentUser:
    """The authenticated user of a request, detached from any database session."""

    id: uuid.UUID
    username: str
    display_name: str
    roles: frozenset[str]
    organization_id: uuid.UUID | None
    organization_name: str | None
    organization_kind: str | None = None  # as read with the user (e.g. R-26 at a bid's pre-check)

    @classmethod
    def of(cls, user: User) -> CurrentUser:
        return cls(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            roles=user.role_names,
            organization_id=user.organization_id,
            organization_name=user.organization.name if user.organization else None,
            organization_kind=user.organization.kind if user.organization else None,
        )

    def has_any(self, roles: Iterable[str]) -> bool:
        return not self.roles.isdisjoint(roles)

    def actor(self, ip: str | None) -> Actor:
        """The supervision-log actor; the first role by precedence names the capacity."""
        role = next((r.value for r in Role if r.value in self.roles), "user")
        return Actor(user_id=str(self.id), role=role, ip=ip)


class LoginFailed(UserError):
    def __init__(self) -> None:
        super().__init__(
            "用户名或密码错误", "Wrong username or password", status=401, code="login_failed"
        )


class LoginThrottled(UserError):
    def __init__(self, seconds: int) -> None:
        wait_zh = f"{seconds} 秒" if seconds < 120 else f"{(seconds + 59) // 60} 分钟"
        wait_en = f"{seconds} seconds" if seconds < 120 else f"{(seconds + 59) // 60} minutes"
        super().__init__(
            f"登录失败次数过多，请 {wait_zh}后再试（已登录过的设备不受他处失败影响）",
            f"Too many failed log-ins; try again in {wait_en} (a device you logged in from "
            "before is not held back by failures elsewhere)",
            status=429,
            code="throttled",
        )


class TemporaryPasswordExpired(UserError):
    def __init__(self) -> None:
        super().__init__(
            "临时密码已过期（有效期 24 小时），请重新申请重置密码或联系系统管理员",
            "The temporary password has expired (it was valid for 24 hours); ask again for a "
            "reset or contact an administrator",
            status=401, code="password_expired",
        )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def validate_username(username: str) -> str:
    username = username.strip()
    if not USERNAME_PATTERN.fullmatch(username):
        raise UserError(
            "用户名须为 3–64 位字母、数字、下划线、点或连字符",
            "Username must be 3–64 letters, digits, underscore, dot or hyphen",
            field="username",
        )
    return username


def validate_password(password: str, username: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(
            f"密码至少 {MIN_PASSWORD_LENGTH} 位",
            f"Password must have at least {MIN_PASSWORD_LENGTH} characters",
            field="password",
        )
    if username.lower() in password.lower():
        raise UserError("密码不能包含用户名", "Password must not contain the username", field="password")


def _required(value: str, field: str, label_zh: str, label_en: str, limit: int) -> str:
    value = value.strip()
    if not value:
        raise UserError(f"请填写{label_zh}", f"{label_en} is required", field=field)
    if len(value) > limit:
        raise UserError(
            f"{label_zh}不能超过 {limit} 个字符",
            f"{label_en} must be at most {limit} characters",
            field=field,
        )
    return value


def create_organization(
    session: Session, actor: Actor, name: str, kind: OrganizationKind, credit_code: str | None
) -> Organization:
    name = _required(name, "org_name", "单位名称", "Organization name", 200)
    if credit_code is not None:
        credit_code = _checked_credit_code(credit_code)
        taken = session.scalar(select(Organization.id).where(Organization.credit_code == credit_code))
        if taken is not None:
            raise ConflictError(
                "该统一社会信用代码已注册，请直接登录或联系本单位管理员",
                "This unified social credit code is already registered; log in or ask your "
                "organization's administrator",
                field="credit_code",
            )
    organization = Organization(
        id=uuid.uuid4(), name=name, kind=kind.value, credit_code=credit_code,
        created_at=clock.now(session),
    )
    session.add(organization)
    session.flush()
    audit.record(
        session, actor, "organization.created", f"organization/{organization.id}",
        {"name": name, "kind": kind.value, "credit_code": credit_code},
    )
    return organization


def _checked_credit_code(code: str) -> str:
    try:
        return validate_credit_code(code)
    except CreditCodeError as error:
        raise UserError(error.reason_zh, error.reason_en, field="credit_code") from error


def create_user(
    session: Session,
    actor: Actor,
    *,
    username: str,
    display_name: str,
    password: str,
    roles: Iterable[Role],
    organization: Organization | None,
) -> User:
    username = validate_username(username)
    display_name = _required(display_name, "display_name", "联系人姓名", "Contact name", 100)
    validate_password(password, username)
    if session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise ConflictError("该用户名已被使用", "This username is already taken", "username")
    user = User(
        id=uuid.uuid4(),
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        organization_id=organization.id if organization else None,
        created_at=clock.now(session),
        roles=[UserRole(role=role.value) for role in roles],
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as error:  # a concurrent registration took the name
        raise ConflictError("该用户名已被使用", "This username is already taken", "username") from error
    audit.record(
        session, actor, "account.created", f"user/{user.id}",
        {"username": username, "roles": sorted(user.role_names),
         "organization_id": str(organization.id) if organization else None},
    )
    return user


def register_bidder(
    session: Session,
    ip: str | None,
    *,
    org_name: str,
    credit_code: str,
    username: str,
    display_name: str,
    password: str,
) -> User:
    """Free self-registration of a bidder organization and its first user."""
    actor = Actor(user_id=None, role="public", ip=ip)
    organization = create_organization(
        session, actor, org_name, OrganizationKind.BIDDER, credit_code
    )
    return create_user(
        session, actor, username=username, display_name=display_name, password=password,
        roles=[Role.BIDDER], organization=organization,
    )


def authenticate(session: Session, username: str, password: str, ip: str | None,
                 device_cookie: str | None = None) -> User:
    """Check a log-in, throttled by ``throttle`` (per account and address or known device).

    A refusal raises *after* recording the failure in ``session``: the caller commits the
    session anyway, or the throttle would never see the failures.
    """
    now = clock.now(session)
    key = username.strip().lower()[:64]
    user = session.scalar(select(User).where(func.lower(User.username) == key))
    device_id = devices.known_device(device_cookie, user.id) if user is not None else None
    bucket = throttle.bucket_of(ip, device_id)
    wait = throttle.wait_seconds(session, key, bucket, now)
    if wait:
        throttle.refused(key, bucket, wait)
        raise LoginThrottled(wait)
    if user is None or not user.is_active or not _verify(user, password):
        throttle.record_failure(session, key, bucket, ip, now)
        raise LoginFailed()
    if user.password_expires_at is not None and user.password_expires_at <= now:
        raise TemporaryPasswordExpired()
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _verify(user: User | None, password: str) -> bool:
    try:
        dummy = _dummy_hash(get_settings().environment)
        return _hasher().verify(user.password_hash if user else dummy, password)
    except (VerificationError, InvalidHashError):
        return False


def start_web_session(session: Session, user: User, ip: str | None) -> str:
    """Open a browser session for ``user``; returns the cookie token (shown nowhere else)."""
    token = secrets.token_urlsafe(32)
    now = clock.now(session)
    session.add(
        WebSession(
            token_hash=token_digest(token), user_id=user.id, created_at=now,
            expires_at=now + SESSION_LIFETIME, address=(ip or "")[:64] or None,
        )
    )
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    audit.record(session, CurrentUser.of(user).actor(ip), "account.logged_in", f"user/{user.id}", {})
    return token


def end_web_session(session: Session, token: str, actor: Actor) -> None:
    deleted = session.execute(
        delete(WebSession).where(WebSession.token_hash == token_digest(token))
    )
    if deleted.rowcount:  # type: ignore[attr-defined]
        audit.record(session, actor, "account.logged_out", f"user/{actor.user_id}", {})


def shorten_web_session(session: Session, token: str, until: dt.datetime) -> bool:
    """End the browser session by ``until`` at the latest (a self-service kiosk's short
    session); False if there is no such session."""
    found = session.get(WebSession, token_digest(token))
    if found is None:
        return False
    found.expires_at = min(found.expires_at, until)
    return True


def user_for_web_session(session: Session, token: str) -> User | None:
    found = session.get(WebSession, token_digest(token))
    if found is None or found.expires_at <= clock.now(session) or not found.user.is_active:
        return None
    return found.user


def create_api_token(session: Session, actor: Actor, user_id: uuid.UUID, name: str) -> str:
    """Issue a bearer token; the plain value is returned once and never stored."""
    name = _required(name, "name", "令牌名称", "Token name", 100)
    token = "ggzy_" + secrets.token_urlsafe(32)
    record = ApiToken(
        id=uuid.uuid4(), user_id=user_id, name=name, token_hash=token_digest(token),
        created_at=clock.now(session),
    )
    session.add(record)
    session.flush()
    audit.record(session, actor, "account.token_created", f"api_token/{record.id}", {"name": name})
    return token


def revoke_api_token(session: Session, actor: Actor, user_id: uuid.UUID, token_id: uuid.UUID) -> None:
    record = session.get(ApiToken, token_id)
    if record is None or record.user_id != user_id or record.revoked_at is not None:
        raise NotFoundError("令牌", "Token")
    record.revoked_at = clock.now(session)
    audit.record(session, actor, "account.token_revoked", f"api_token/{token_id}", {})


def list_api_tokens(session: Session, user_id: uuid.UUID) -> list[ApiToken]:
    query = select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    return list(session.scalars(query.order_by(ApiToken.created_at)))


def user_for_api_token(session: Session, token: str) -> User | None:
    record = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
    if record is None or record.revoked_at is not None or not record.user.is_active:
        return None
    if record.expires_at is not None and record.expires_at <= clock.now(session):
        return None
    return record.user


def parse_roles(values: Iterable[str]) -> set[Role]:
    roles = set()
    for value in values:
        try:
            roles.add(Role(value))
        except ValueError as error:
            raise UserError(f"未知角色：{value}", f"Unknown role: {value}", field="roles") from error
    return roles


def set_roles(session: Session, actor: Actor, user_id: uuid.UUID, roles: set[Role]) -> User:
    """Replace a user's roles; its open sessions end so the change takes effect at once."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("用户", "User")
    before = sorted(user.role_names)
    after = sorted(role.value for role in roles)
    if before == after:
        return user
    user.roles = [UserRole(role=role) for role in after]
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))
    session.flush()
    audit.record(
        session, actor, "account.roles_changed", f"user/{user_id}", {"before": before, "after": after}
    )
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def get_user(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("用户", "User")
    return user


def names_by_id(session: Session, ids: Iterable[str]) -> dict[str, str]:
    """The names the platform knows for ``ids`` (strings): an organization's name, a user's
    display name; strings that are not a known id are left out. For pages that must show
    people and organizations by name, never by UUID."""
    wanted: set[uuid.UUID] = set()
    for value in ids:
        try:
            wanted.add(uuid.UUID(value))
        except (ValueError, TypeError, AttributeError):
            continue
    if not wanted:
        return {}
    names: dict[str, str] = {}
    chunk = sorted(wanted)
    for start in range(0, len(chunk), 500):
        part = chunk[start:start + 500]
        for org_id, name in session.execute(
                select(Organization.id, Organization.name).where(Organization.id.in_(part))):
            names[str(org_id)] = name
        for user_id, display in session.execute(
                select(User.id, User.display_name).where(User.id.in_(part))):
            names[str(user_id)] = display
    return names
