"""Masking of personal data. Every view and export masks by default; only a deliberate, logged
reveal by an admin or leader shows one record in full."""

from __future__ import annotations

import re


def mask_id_number(value: str | None) -> str:
    """6212************12: the first four and last two characters only."""
    if not value:
        return ""
    value = str(value)
    return value[:4] + "*" * max(len(value) - 6, 0) + value[-2:] if len(value) > 6 else "*" * len(value)


def mask_phone(value: str | None) -> str:
    """138****5678 for a mobile; a fixed line keeps its area code and last four digits."""
    if not value:
        return ""
    digits = re.sub(r"\D", "", str(value))
    if len(digits) == 11 and digits[0] == "1":
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) >= 8:
        return f"{digits[:-8]}****{digits[-4:]}"
    return "*" * len(digits)


def mask_name(value: str | None) -> str:
    """张*明 / 李*: enough for a cadre to recognise a family they know, not to identify a stranger."""
    if not value:
        return ""
    if len(value) <= 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def child_alias(name: str | None, sex: str | None = None) -> str:
    """How publicity material names a minor: surname plus 某 (or 小+surname), never the full name."""
    if not name:
        return "某儿童"
    return f"小{name[0]}" if sex in ("男", "女") else f"{name[0]}某"
