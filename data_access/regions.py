"""The region tree: names, children and paths, always inside a scope."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access.models import Region
from data_access.scope import Scope

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
    rows = session.scalars(select(Region).where(scope.within(Region.code)).order_by(Region.code)).all()
    # A root's parent lies outside the scope (a city 621200 is the root of scope 6212, not its counties).
    return [
        _row(r) for r in rows
        if scope.contains(r.code) and (r.parent_code is None or not scope.contains(r.parent_code))
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
