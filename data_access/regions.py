"""The region tree: names, children and paths, always inside a scope."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import not_, or_, select
from sqlalchemy.orm import Session

from data_access.models import Region
from data_access.scope import Scope, region_prefix

LEVEL_LABELS = {"province": "省", "city": "市州", "county": "县区", "township": "乡镇", "village": "村（社区）"}


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    level: str


def _row(region: Region) -> RegionRow:
    return RegionRow(region.code, region.name, region.level)


def get(session: Session, code: str) -> RegionRow | None:
    region = session.get(Region, code)
    return _row(region) if region else None


def children(session: Session, code: str | None) -> list[RegionRow]:
    """Direct children of `code`, or the top-level regions when `code` is None."""
    where = Region.parent_code.is_(None) if code is None else Region.parent_code == code
    return [_row(r) for r in session.scalars(select(Region).where(where).order_by(Region.code))]


def root_for(session: Session, scope: Scope) -> list[RegionRow]:
    """The regions a user of `scope` starts from: their own region, or the top of the tree."""
    if not scope.prefix:
        return children(session, None)
    # A root's parent lies outside the scope (a city 621200 is the root of scope 6212, not its
    # counties). The database keeps only the regions whose parent is not inside the scope's range
    # (a parent inside the range is inside the scope), so a province reads a few rows, not its
    # 20k regions as objects (0.45 s CPU on every page's first view after a write).
    rows = session.execute(
        select(Region.code, Region.name, Region.level, Region.parent_code)
        .where(scope.within(Region.code), or_(Region.parent_code.is_(None), not_(scope.within(Region.parent_code))))
        .order_by(Region.code)
    ).all()
    return [
        RegionRow(code, name, level) for code, name, level, parent in rows
        if scope.contains(code) and (parent is None or not scope.contains(parent))
    ]


def path(session: Session, code: str) -> list[RegionRow]:
    """From the top of the tree down to `code`."""
    rows: list[RegionRow] = []
    region = session.get(Region, code)
    while region is not None:
        rows.append(_row(region))
        region = session.get(Region, region.parent_code) if region.parent_code else None
    return rows[::-1]


def names(session: Session, codes: list[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(session.execute(select(Region.code, Region.name).where(Region.code.in_(codes))).all())


@dataclass(frozen=True)
class LinkRegion:
    """What a `?region=` in a shared link comes to: the region to show (None: the user's whole
    region), a Chinese notice when it was corrected, and whether it lies outside the user's scope
    (then the entry refuses and audits it)."""

    code: str | None
    notice: str = ""
    refused: bool = False


_CODE = re.compile(r"^[0-9]{2,12}$")


def _ancestors(code: str) -> list[str]:
    """The codes a region code's ancestors may have, nearest first: township (9 digits), county
    (6), city (4 + 00), province (2 + 0000)."""
    found = [code[:n] for n in (9, 6) if len(code) > n]
    found += [f"{code[:n]}{'0' * (6 - n)}" for n in (4, 2) if len(code) >= n]
    return [c for c in dict.fromkeys(found) if c != code]


def link_region(session: Session, requested: str, scope: Scope) -> LinkRegion:
    """The region a link asks for, for a user of `scope`: refused when outside the scope; a
    malformed code or one no region has is corrected to its nearest existing region inside the
    scope (or the user's whole region), with a notice saying so."""
    value = requested.strip()
    shown = value if len(value) <= 40 else value[:40] + "…"
    if value.isdigit() and not scope.contains(value):
        # outside the scope is refused (and audited) even when too long to be a code: 621225101001999
        # lies under another township whatever comes after it
        return LinkRegion(None, refused=True)
    if not _CODE.match(value):
        return LinkRegion(None, f"链接中的地区“{shown}”无法识别，已改为显示您可查看的全部地区。")
    if session.get(Region, value) is not None:
        return LinkRegion(value)
    for code in _ancestors(value):
        region = session.get(Region, code)
        if region is not None and scope.contains(code) and len(region_prefix(code)) >= len(scope.prefix):
            return LinkRegion(code, f"链接中的地区（区划代码 {shown}）不存在，已改为上一级的“{region.name}”。")
    return LinkRegion(None, f"链接中的地区（区划代码 {shown}）不存在，已改为显示您可查看的全部地区。")
