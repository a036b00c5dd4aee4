"""Trends over a year: contacts and visits recorded per month, the coverage and on-track share at
each month end, and contact on traditional festivals (the `holiday_days` table) as its own measure.

Month-end points take coverage from `coverage` (in_register, the pairings active on the day) and
the on-track share from `compliance.cadre_status` over `compliance.status_rows`, the same
definitions as `coverage.snapshot` (home page, bulletin) but without its other figures, since a
year has twelve of them. The coverage of every month end is counted in one pass over the persons;
the rule's evaluation of each month end is stored like the pages' own (status_store), so at
province scale it is evaluated once per data change and then read, whoever looks.

Contact series scan the covering date index; a scope that holds every household of the database
(a province database seen from its province) filters nothing, so it is not applied as an IN list
of several hundred thousand pairings (province: 5.8 s -> 0.5 s for a year of contacts).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from data_access import compliance, daily_counts
from data_access.compliance import active_on, effective_scope, in_scope_pairing
from data_access.coverage import in_register
from data_access.models import Contact, HolidayDay, Household, Pairing, Person
from data_access.policy import Policy
from data_access.scope import Scope
from data_access.vocabulary import METHODS

ACTIVITY_COLUMNS = ["月份", "联系次数", "走访次数", "慰问金额（元）"]


def month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def month_ends(as_of: dt.date) -> list[dt.date]:
    """The month ends of `as_of`'s year up to `as_of`, then `as_of` itself if it is not one."""
    days = [month_end(as_of.year, m) for m in range(1, as_of.month + 1)]
    days = [d for d in days if d <= as_of]
    return days + ([as_of] if not days or days[-1] != as_of else [])


def day_label(day: dt.date) -> str:
    """How a chart's axis names a point: a month end by its month (3月), any other day in full (12月3日)."""
    return f"{day.month}月" if day == month_end(day.year, day.month) else f"{day.month}月{day.day}日"


@dataclass(frozen=True)
class MonthEndPoint:
    day: dt.date
    coverage: float | None  # persons with an active pairing ÷ persons in the register
    cadre_on_track_share: float | None

    @property
    def label(self) -> str:
        return day_label(self.day)


def _coverage_counts(session: Session, scope: Scope, days: list[dt.date]) -> list[tuple[int, int]]:
    """(persons in the register, of them with a pairing of their household active) on each day:
    from the coverage changes kept per county (daily_counts) for a county or wider, else in one
    pass over the persons in scope (live_coverage_counts)."""
    if daily_counts.usable(scope, session):
        return daily_counts.coverage_counts(session, scope, days)
    return live_coverage_counts(session, scope, days)


def live_coverage_counts(session: Session, scope: Scope, days: list[dt.date]) -> list[tuple[int, int]]:
    """_coverage_counts from the records in one pass: the pairings per household with one
    active-on-day flag per day, joined to the persons (coverage.household_paired, asked for several
    days at once)."""
    flags = [func.max(case((active_on(day), 1), else_=0)).label(f"active_{i}") for i, day in enumerate(days)]
    pairings = select(Pairing.household_id, *flags)
    if scope.prefix:
        pairings = pairings.join(Household, Household.id == Pairing.household_id).where(
            scope.within(Household.village_code))
    paired = pairings.group_by(Pairing.household_id).subquery("household_paired")
    columns = []
    for i, day in enumerate(days):
        columns += [
            func.coalesce(func.sum(case((in_register(day), 1), else_=0)), 0),
            func.coalesce(func.sum(case((and_(in_register(day), paired.c[f"active_{i}"] == 1), 1), else_=0)), 0),
        ]
    row = session.execute(
        select(*columns)
        .select_from(Person)
        .outerjoin(paired, paired.c.household_id == Person.household_id)
        .where(scope.within(Person.village_code))
    ).one()
    return [(int(row[2 * i]), int(row[2 * i + 1])) for i in range(len(days))]


def _on_track_share(session: Session, scope: Scope, day: dt.date, policy: Policy) -> float | None:
    # From the day's stored evaluation for wider scopes, like the pages' (status_store.KEEP holds a
    # year's month ends); through `status_rows`, so a county runs the rule itself.
    cadres, on_track = compliance.cadre_on_track_counts(session, scope, day, policy)
    return on_track / cadres if cadres else None


def _points(session: Session, scope: Scope, days: list[dt.date], policy: Policy) -> list[MonthEndPoint]:
    scope = effective_scope(session, scope)  # the province of a province database: no filter
    counts = _coverage_counts(session, scope, days)
    return [
        MonthEndPoint(day, paired / persons if persons else None, _on_track_share(session, scope, day, policy))
        for day, (persons, paired) in zip(days, counts, strict=True)
    ]


def month_end_points(session: Session, scope: Scope, as_of: dt.date, policy: Policy) -> list[MonthEndPoint]:
    """The point of each of `month_ends(as_of)` (the page's chart)."""
    return _points(session, scope, month_ends(as_of), policy)


def month_end_point(session: Session, scope: Scope, day: dt.date, policy: Policy) -> MonthEndPoint:
    """The coverage and on-track share on one day."""
    return _points(session, scope, [day], policy)[0]


def _contacts_in_scope(scope: Scope, start: dt.date, end: dt.date):
    """FROM/WHERE for contacts of pairings of households in `scope`, dated start..end."""
    return (
        select()
        .select_from(Contact)
        .where(
            Contact.contact_date >= start,
            Contact.contact_date <= end,
            Contact.method.in_(METHODS),
            in_scope_pairing(scope, Contact.pairing_id),
        )
    )


def _contacts_per_day(session: Session, scope: Scope, start: dt.date, end: dt.date, live: bool = False) -> list[tuple]:
    """[(day, contacts, visits, gifts)] start..end: from contact_days for a county or wider, else
    (or `live`) from the records (one definition: daily_counts.contact_measures)."""
    if daily_counts.usable(scope, session) and not live:
        return [(day, *figures) for *figures, day in daily_counts.contact_totals(session, scope, start, end, by_day=True)]
    # Grouped by day, then put in day order here (a few hundred rows): the database returns a
    # grouping in whatever order its plan gives (PostgreSQL's hash aggregate: any order).
    statement = _contacts_in_scope(effective_scope(session, scope), start, end).add_columns(
        Contact.contact_date, *daily_counts.contact_measures()).group_by(Contact.contact_date)
    return sorted(session.execute(statement).all(), key=lambda row: row[0])


def monthly_activity(session: Session, scope: Scope, as_of: dt.date) -> pd.DataFrame:
    """Contacts (any method; a visit is a contact too), visits (实地走访) and gifts recorded per
    month of `as_of`'s year, up to `as_of`; every month up to as_of has a row (zeros included)."""
    found: dict[int, list] = {}
    for day, contacts, visits, gifts in _contacts_per_day(session, scope, dt.date(as_of.year, 1, 1), as_of):
        month = found.setdefault(day.month, [0, 0, 0.0])
        month[0] += int(contacts)
        month[1] += int(visits)
        month[2] += float(gifts)
    return pd.DataFrame(
        [(f"{m}月", *found.get(m, (0, 0, 0.0))) for m in range(1, as_of.month + 1)], columns=ACTIVITY_COLUMNS
    )


@dataclass(frozen=True)
class PeriodActivity:
    contacts: int
    visits: int
    gifts_yuan: float


def activity(session: Session, scope: Scope, start: dt.date, end: dt.date) -> PeriodActivity:
    """Contacts, visits and gifts recorded start..end (the bulletin's "this month")."""
    if daily_counts.usable(scope, session):
        row = daily_counts.contact_totals(session, scope, start, end)
    else:
        row = session.execute(_contacts_in_scope(effective_scope(session, scope), start, end).add_columns(
            *daily_counts.contact_measures())).one()
    return PeriodActivity(int(row[0]), int(row[1]), float(row[2]))


def active_pairings(session: Session, scope: Scope, days: list[dt.date], live: bool = False) -> list[int]:
    """The pairings active on each day in `scope`: from the pairing changes kept per county
    (daily_counts) for a county or wider, else (or `live`) in one pass over the pairings in scope."""
    if daily_counts.usable(scope, session) and not live:
        return daily_counts.active_pairings(session, scope, days)
    row = session.execute(
        select(*(func.coalesce(func.sum(case((active_on(day), 1), else_=0)), 0) for day in days))
        .select_from(Pairing)
        .join(Household, Household.id == Pairing.household_id)
        .where(scope.within(Household.village_code))
    ).one()
    return [int(v) for v in row]


HOLIDAY_COLUMNS = ["节日", "日期", "节日天数", "联系次数", "联系到的结对户", "在结对户", "节日联系率"]


def holiday_contacts(session: Session, scope: Scope, start: dt.date, end: dt.date, live: bool = False) -> pd.DataFrame:
    """Per traditional festival with days in start..end (from `holiday_days`): contacts dated on
    its days, the pairings reached on them, the pairings active on its first day in scope, and the
    share of those reached. Festivals in date order; empty when the calendar has none. The contacts
    and pairings reached of a festival wholly in the period come from the counts kept per county
    (daily_counts.festival_reach) for a county or wider, else (or `live`, or a festival not kept)
    from the records (daily_counts.festival_contacts, the one definition)."""
    festivals = session.execute(
        select(HolidayDay.name, func.min(HolidayDay.day), func.max(HolidayDay.day), func.count())
        .where(HolidayDay.day >= start, HolidayDay.day <= end)
        .group_by(HolidayDay.name)
        .order_by(func.min(HolidayDay.day))
    ).all()
    if not festivals:
        return pd.DataFrame([], columns=HOLIDAY_COLUMNS)
    kept = daily_counts.festival_reach(session, scope) if daily_counts.usable(scope, session) and not live else {}
    # One festival at a time: its few days are a narrow range of the date index.
    contact_filter = effective_scope(session, scope)
    reached_by_name = {}
    for name, first, last, _ in festivals:
        found = kept.get((name, first))
        if found is not None and found[0] == last:
            reached_by_name[name] = found[1:]
            continue
        contacts, reached = session.execute(daily_counts.festival_contacts(
            name, first, last, in_scope_pairing(contact_filter, Contact.pairing_id))).one()
        reached_by_name[name] = (int(contacts), int(reached))
    active = active_pairings(session, scope, [first for _, first, _, _ in festivals])
    records = []
    for (name, first, last, days), n_active in zip(festivals, active, strict=True):
        contacts, reached = reached_by_name[name]
        n_active = int(n_active)
        dates = f"{first:%m-%d}" if first == last else f"{first:%m-%d}至{last:%m-%d}"
        records.append((name, dates, days, contacts, reached, n_active, reached / n_active if n_active else None))
    return pd.DataFrame(records, columns=HOLIDAY_COLUMNS)
