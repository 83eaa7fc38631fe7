"""Errors a user can act on: a status, a reason in Chinese and English, and the field at fault."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class UserError(Exception):
    """Refused input or action; nothing was changed. Rendered as a page or problem details."""

    message_zh: str
    message_en: str
    status: int = 400
    field: str | None = None
    code: str = "invalid"

    def __str__(self) -> str:
        return f"{self.message_zh} / {self.message_en}"

    def message(self, lang: str) -> str:
        return self.message_en if lang == "en" else self.message_zh


class NotFoundError(UserError):
    def __init__(self, what_zh: str, what_en: str) -> None:
        super().__init__(f"{what_zh}不存在", f"{what_en} not found", status=404, code="not_found")


class ConflictError(UserError):
    def __init__(self, message_zh: str, message_en: str, field: str | None = None) -> None:
        super().__init__(message_zh, message_en, status=409, field=field, code="conflict")
