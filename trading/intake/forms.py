"""Reading the intake pages' forms into checked inputs (bad input: a UserError naming the field)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from trading.errors import UserError
from trading.intake.items import ItemInput, MaterialInput
from trading.intake.models import Collection, ExcludedKind, ItemKind, MaterialForm

ITEM_FIELDS = ("code", "department", "name", "kind", "legal_basis", "conditions", "fee_basis",
               "fee_yuan", "promised_days", "statutory_days", "collection")
MAX_TEXT = 4000
YUAN = re.compile(r"^\d{1,9}(\.\d{1,2})?$")


def text(data: Mapping[str, Any], name: str, limit: int = MAX_TEXT) -> str:
    value = data.get(name)
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str)), "")
    if not isinstance(value, str):
        return ""
    if len(value) > limit:
        raise UserError(f"内容过长（不超过{limit}字）", f"Too long (at most {limit} characters)",
                        field=name)
    return value.strip()


def texts(data: Mapping[str, Any], name: str) -> list[str]:
    value = data.get(name)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)][:50]
    return []


def whole_number(data: Mapping[str, Any], name: str, low: int, high: int) -> int:
    raw = text(data, name, 10)
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        raise UserError(f"请填写{low}至{high}之间的整数", f"Enter a whole number from {low} to {high}",
                        field=name)
    return int(raw)


def choice(data: Mapping[str, Any], name: str, enum_type: Any) -> Any:
    raw = text(data, name, 32)
    try:
        return enum_type(raw)
    except ValueError:
        raise UserError("请选择一个有效选项", "Choose one of the options", field=name) from None


def fen(data: Mapping[str, Any], name: str) -> int | None:
    raw = text(data, name, 16)
    if not raw:
        return None
    if not YUAN.match(raw):
        raise UserError("金额格式：元，最多两位小数", "Amount in yuan, at most two decimals", field=name)
    try:
        return int(Decimal(raw) * 100)
    except InvalidOperation:
        raise UserError("金额格式错误", "Invalid amount", field=name) from None


def item_input(data: Mapping[str, Any]) -> ItemInput:
    kinds = set(texts(data, "excluded_kinds"))
    unknown = kinds - {k.value for k in ExcludedKind}
    if unknown:
        raise UserError("未知的特别程序种类", "Unknown excluded-period kind", field="excluded_kinds")
    return ItemInput(
        code=text(data, "code", 32), department_code=text(data, "department", 32),
        name=text(data, "name", 200), kind=choice(data, "kind", ItemKind),
        legal_basis=text(data, "legal_basis"), conditions=text(data, "conditions"),
        fee_basis=text(data, "fee_basis", 500) or None, fee_fen=fen(data, "fee_yuan"),
        promised_days=whole_number(data, "promised_days", 0, 365),
        statutory_days=whole_number(data, "statutory_days", 1, 365),
        excluded_kinds=tuple(ExcludedKind(k) for k in sorted(kinds)),
        online=text(data, "online", 8) == "1",
        collection=choice(data, "collection", Collection),
        participant_codes=tuple(c for c in texts(data, "participants") if c),
    )


def material_input(data: Mapping[str, Any]) -> MaterialInput:
    return MaterialInput(
        name=text(data, "material_name", 200), required=text(data, "required", 8) == "1",
        form=choice(data, "form", MaterialForm),
        copies=whole_number(data, "copies", 1, 20),
        validity_needed=text(data, "validity_needed", 8) == "1", note=text(data, "note", 500))


def form_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """What the form showed, to fill it again after a refusal."""
    values: dict[str, Any] = {name: data.get(name) if isinstance(data.get(name), str) else ""
                              for name in ITEM_FIELDS}
    values["excluded_kinds"] = texts(data, "excluded_kinds")
    values["participants"] = texts(data, "participants")
    values["online"] = "1" if data.get("online") == "1" else ""
    return values
