"""Account administration: an administrator creates organizations and users, disables and
re-enables accounts and resets passwords; the public files forgotten-password requests.

A created user gets an initial password it must change at its first log-in; a reset gives a
temporary password, shown once to the administrator, that works for
``TEMPORARY_PASSWORD_LIFETIME`` on the server clock and must also be changed at the next
log-in. Every change is recorded with ``trading.audit.record`` in the caller's transaction;
no password (initial, temporary or new) ever reaches the log.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata
import uuid
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from trading import audit, clock
from trading.accounts import services as accounts
from trading.accounts import throttle
from trading.accounts.models import (
    Organization,
    OrganizationKind,
    PasswordResetRequest,
    Role,
    User,
    WebSession,
)
from trading.audit import Actor
from trading.errors import ConflictError, NotFoundError, UserError

TEMPORARY_PASSWORD_LIFETIME = dt.timedelta(hours=24)
# No 0/O, 1/l/I: the administrator reads the password out or writes it down.
_TEMPORARY_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")

OPEN, RESET, DISMISSED = "open", "reset", "dismissed"


@dataclass(frozen=True)
class TemporaryPassword:
    username: str
    password: str
    expires_at: dt.datetime


def generate_temporary_password() -> str:
    groups = ("".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(4)) for _ in range(3))
    return "-".join(groups)


def parse_kind(value: str) -> OrganizationKind:
    try:
        return OrganizationKind(value)
    except ValueError as error:
        raise UserError("请选择单位类型", "Choose the kind of organization", field="kind") from error


def normalize_email(value: str) -> str | None:
    value = unicodedata.normalize("NFKC", value).strip()
    if not value:
        return None
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise UserError("电子邮箱格式不正确", "This is not an e-mail address", field="email")
    return value.lower()


def normalize_mobile(value: str) -> str | None:
    value = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", value))
    if value.startswith("+86"):
        value = value[3:]
    if not value:
        return None
    if not _MOBILE.fullmatch(value):
        raise UserError("手机号码应为 11 位数字，以 1 开头", "A mobile number has 11 digits and "
                        "starts with 1", field="mobile")
    return value


def create_organization(session: Session, actor: Actor, name: str, kind: str,
                        credit_code: str) -> Organization:
    """An organization created by an administrator; its credit code is checked (GB 32100)."""
    return accounts.create_organization(
        session, actor, name, parse_kind(kind), credit_code if credit_code.strip() else None
    )


def create_user(
    session: Session,
    actor: Actor,
    *,
    username: str,
    display_name: str,
    roles: set[Role],
    organization_id: str,
    initial_password: str,
    email: str = "",
    mobile: str = "",
) -> User:
    """A user with an initial password it must change at its first log-in."""
    if not roles:
        raise UserError("请至少选择一个角色", "Choose at least one role", field="roles")
    organization = None
    if organization_id.strip():
        try:
            organization = session.get(Organization, uuid.UUID(organization_id.strip()))
        except ValueError:
            organization = None
        if organization is None:
            raise UserError("请选择所属单位", "Choose an organization", field="organization")
    user = accounts.create_user(
        session, actor, username=username, display_name=display_name,
        password=initial_password, roles=roles, organization=organization,
    )
    set_contact(user, email, mobile)
    user.must_change_password = True
    return user


def set_contact(user: User, email: str, mobile: str) -> None:
    """The e-mail and mobile the forgotten-password form checks (both optional)."""
    user.email, user.mobile = normalize_email(email), normalize_mobile(mobile)


def _user(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("用户", "User")
    return user


def set_active(session: Session, actor: Actor, user_id: uuid.UUID, active: bool) -> User:
    """Disable or re-enable an account. A disabled account cannot log in; its sessions end
    and its API tokens stop working (both check ``is_active``)."""
    user = _user(session, user_id)
    if not active and actor.user_id == str(user_id):
        raise UserError("不能停用自己的账户", "You cannot disable your own account",
                        status=409, code="own_account")
    if user.is_active == active:
        raise ConflictError(
            "该账户已是启用状态" if active else "该账户已停用",
            "The account is already enabled" if active else "The account is already disabled",
        )
    user.is_active = active
    if not active:
        session.execute(delete(WebSession).where(WebSession.user_id == user_id))
    audit.record(session, actor, "account.enabled" if active else "account.disabled",
                 f"user/{user_id}", {"username": user.username})
    return user


def reset_password(session: Session, actor: Actor, user_id: uuid.UUID) -> TemporaryPassword:
    """Give ``user_id`` a temporary password (returned once, never stored in clear) that
    expires after ``TEMPORARY_PASSWORD_LIFETIME``; open requests of the user are handled."""
    user = _user(session, user_id)
    now = clock.now(session)
    password = generate_temporary_password()
    user.password_hash = accounts.hash_password(password)
    user.must_change_password = True
    user.password_expires_at = now + TEMPORARY_PASSWORD_LIFETIME
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))
    handled = session.execute(
        update(PasswordResetRequest)
        .where(PasswordResetRequest.user_id == user_id, PasswordResetRequest.status == OPEN)
        .values(status=RESET, handled_at=now, handled_by=_actor_id(actor))
    ).rowcount  # type: ignore[attr-defined]
    audit.record(session, actor, "account.password_reset", f"user/{user_id}",
                 {"username": user.username, "expires_at": user.password_expires_at.isoformat(),
                  "requests_handled": int(handled or 0)})
    return TemporaryPassword(user.username, password, user.password_expires_at)


def _actor_id(actor: Actor) -> uuid.UUID | None:
    return uuid.UUID(actor.user_id) if actor.user_id else None


def change_own_password(session: Session, user: User, current: str, new: str, again: str,
                        ip: str | None) -> None:
    """The user (already authenticated with ``current``) chooses a new password."""
    if new != again:
        raise UserError("两次输入的密码不一致", "The two passwords differ", field="new_password_again")
    accounts.validate_password(new, user.username)
    if new == current:
        raise UserError("新密码不能与原密码相同", "The new password must differ from the old one",
                        field="new_password")
    user.password_hash = accounts.hash_password(new)
    user.must_change_password = False
    user.password_expires_at = None
    audit.record(session, accounts.CurrentUser.of(user).actor(ip), "account.password_changed",
                 f"user/{user.id}", {})


def _contact_matches(user: User, contact: str) -> bool:
    try:
        email = normalize_email(contact) if "@" in contact else None
        mobile = None if "@" in contact else normalize_mobile(contact)
    except UserError:
        return False
    return bool((email and email == user.email) or (mobile and mobile == user.mobile))


def file_reset_request(session: Session, ip: str | None, username: str, contact: str) -> None:
    """A forgotten-password request from the public form. The answer is the same whether or
    not the account exists; only a username with its registered e-mail or mobile is queued.
    Throttled like the log-in (``throttle.reset_request_wait``); raises *after* recording
    nothing when throttled."""
    now = clock.now(session)
    key = username.strip().lower()[:64]
    if not key or not contact.strip():
        raise UserError("请填写用户名和注册时登记的手机号或电子邮箱",
                        "Enter the username and the registered mobile number or e-mail",
                        field="username" if not key else "contact")
    wait = throttle.reset_request_wait(session, key, ip, now)
    if wait:
        raise accounts.LoginThrottled(wait)
    throttle.record_reset_request(session, key, ip, now)
    user = session.scalar(select(User).where(func.lower(User.username) == key))
    if user is not None and _contact_matches(user, contact[:254]):
        already = session.scalar(select(PasswordResetRequest.id).where(
            PasswordResetRequest.user_id == user.id, PasswordResetRequest.status == OPEN))
        if already is None:
            session.add(PasswordResetRequest(id=uuid.uuid4(), user_id=user.id, filed_at=now,
                                             address=(ip or "")[:64] or None, status=OPEN))
    audit.record(session, Actor(None, "public", ip), "account.reset_requested",
                 f"login/{key}", {"username": key})


def list_organizations(session: Session) -> list[Organization]:
    return list(session.scalars(select(Organization).order_by(Organization.name)))


def open_requests(session: Session) -> list[PasswordResetRequest]:
    query = select(PasswordResetRequest).where(PasswordResetRequest.status == OPEN)
    return list(session.scalars(query.order_by(PasswordResetRequest.filed_at)))


def dismiss_request(session: Session, actor: Actor, request_id: uuid.UUID) -> None:
    request = session.get(PasswordResetRequest, request_id)
    if request is None or request.status != OPEN:
        raise NotFoundError("重置密码申请", "Password reset request")
    request.status = DISMISSED
    request.handled_at = clock.now(session)
    request.handled_by = _actor_id(actor)
    audit.record(session, actor, "account.reset_request_dismissed", f"user/{request.user_id}",
                 {"request": str(request_id)})
