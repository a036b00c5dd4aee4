"""周督查: the inspection figures compared with the same day last week (as-of day − 7), so a weekly
inspection sees movement, not only the change since last month end. Both days are read with the same
rule and settings (compliance.summary, overdue.counts)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from data_access import compliance, overdue
from data_access.policy import Policy
from data_access.scope import Scope

WEEK = dt.timedelta(days=7)


def same_day_last_week(as_of: dt.date) -> dt.date:
    return as_of - WEEK


@dataclass(frozen=True)
class LaggardChange:
    """Figures of 达标督查 on the as-of day minus the same figures a week earlier."""

    since: dt.date
    pairings_behind: int
    pairings_silent: int
    first_visits_overdue: int
    cadres_on_track: int
    on_track_share_points: float | None  # percentage points


def laggard_change(session: Session, scope: Scope, as_of: dt.date, policy: Policy) -> LaggardChange:
    since = same_day_last_week(as_of)
    now = compliance.summary(session, scope, as_of, policy)
    before = compliance.summary(session, scope, since, policy)
    share = (None if now.cadre_on_track_share is None or before.cadre_on_track_share is None
             else (now.cadre_on_track_share - before.cadre_on_track_share) * 100)
    return LaggardChange(since, now.pairings_behind - before.pairings_behind,
                         now.pairings_silent - before.pairings_silent,
                         now.first_visits_overdue - before.first_visits_overdue,
                         now.cadres_on_track - before.cadres_on_track, share)


def overdue_change(session: Session, scope: Scope, as_of: dt.date, policy: Policy) -> dict[str, int]:
    """Per kind of 逾期事项 (and 合计): the count on the as-of day minus the count a week earlier."""
    now = overdue.counts(session, scope, as_of, policy)
    return overdue_difference(now, overdue.totals(session, scope, same_day_last_week(as_of), policy))


def overdue_difference(now: overdue.OverdueCounts, before: dict[str, int]) -> dict[str, int]:
    """overdue_change of counts already fetched (the 逾期事项 page has today's: not counted twice)
    against last week's totals (overdue.totals)."""
    change = {kind: now.totals[kind] - before[kind] for kind in overdue.KINDS}
    change[overdue.TOTAL] = now.total - sum(before[kind] for kind in overdue.KINDS)
    return change


def delta(value: int | float | None, unit: str = "", worse_when_up: bool = True) -> dict:
    """Keyword arguments for a card's change against last week: "+3 户" (red when more is worse),
    "-2.5 个百分点", or "0 户" without arrow or colour."""
    if value is None:
        return {}
    number = f"{value:+.1f}" if isinstance(value, float) else f"{value:+d}"
    if not value:
        return {"delta": f"{number.lstrip('+')} {unit}".strip(), "delta_color": "off", "delta_arrow": "off"}
    return {"delta": f"{number} {unit}".strip(), "delta_color": "inverse" if worse_when_up else "normal"}
