"""When each township's data last came in (数据更新): an import storing rows of the township, or a
contact / 回访 recorded in the app. The writes call `mark` in their own transaction, so 工作总览 and
the sidebar read one small table (`data_freshness`), never the contacts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access.models import DataFreshness, Region
from data_access.scope import Scope


def mark(session: Session, townships: Iterable[str], at: dt.datetime, source: str) -> None:
    """The townships' data came in at `at` (a later time only moves forward)."""
    codes = sorted(set(townships))
    if not codes:
        return
    stored = {row.township_code: row for row in session.scalars(
        select(DataFreshness).where(DataFreshness.township_code.in_(codes)))}
    for code in codes:
        row = stored.get(code)
        if row is None:
            session.add(DataFreshness(township_code=code, changed_at=at, source=source))
        elif row.changed_at < at:
            row.changed_at, row.source = at, source
    session.flush()


@dataclass(frozen=True)
class TownshipFreshness:
    code: str
    name: str
    changed_at: dt.datetime | None  # None: no import or entry since entry times were kept
    source: str | None
    days: int | None  # whole days from changed_at to `now`
    stale: bool


def by_township(session: Session, scope: Scope, now: dt.datetime, warn_days: int) -> list[TownshipFreshness]:
    """Every township of the scope (as the regions table holds them), oldest data first; a township
    with no record at all counts as stale."""
    query = (
        select(Region.code, Region.name, DataFreshness.changed_at, DataFreshness.source)
        .outerjoin(DataFreshness, DataFreshness.township_code == Region.code)
        .where(Region.level == "township", scope.within(Region.code))
    )
    out = []
    for code, name, changed_at, source in session.execute(query):
        days = (now.date() - changed_at.date()).days if changed_at else None
        out.append(TownshipFreshness(code, name, changed_at, source, days, days is None or days > warn_days))
    out.sort(key=lambda t: (t.changed_at is not None, t.changed_at or dt.datetime.min, t.code))
    return out


FRAME_COLUMNS = ["乡镇", "最近更新", "距今天数", "更新方式", "状态"]


def frame(rows: list[TownshipFreshness]):
    """The list as a table for a page (oldest first)."""
    import pandas as pd

    return pd.DataFrame(
        [(t.name, t.changed_at.strftime("%Y-%m-%d %H:%M") if t.changed_at else "无记录",
          f"{t.days} 天" if t.days is not None else "", t.source or "", "超期未更新" if t.stale else "正常") for t in rows],
        columns=FRAME_COLUMNS,
    )


def stale_count(session: Session, scope: Scope, now: dt.datetime, warn_days: int) -> tuple[int, int]:
    """(townships of the scope, of which stale) for the sidebar."""
    rows = by_township(session, scope, now, warn_days)
    return len(rows), sum(1 for t in rows if t.stale)
