"""A file import refused as a whole names every bad cell: row, column and reason (the expert
pool's import and the bank-statement import report them the same way)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    reason_zh: str
    reason_en: str

    def reason(self, lang: str) -> str:
        return self.reason_en if lang == "en" else self.reason_zh
