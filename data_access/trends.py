"""Trends over a year: contacts and visits recorded per month, the coverage and on-track share at
each month end, and contact on traditional festivals (the `holiday_days` table) as its own measure.

Month-end points take coverage from `coverage` and the on-track share from
`compliance.cadre_status`, the same definitions as `coverage.snapshot` (home page, bulletin) but
without its other figures, since a year has twelve of them. Each month end is its own (cached)
call, so a completed month is computed once per data version whatever as-of date is looked at.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import and_, case, extract, func, select
from sqlalchemy.orm import Session

from data_access import compliance
from data_access.compliance import active_on, in_scope_pairing
from data_access.coverage import household_paired, in_register
from data_access.models import Contact, HolidayDay, Household, Pairing, Person
from data_access.policy import Policy
from data_access.scope import Scope
from data_access.vocabulary import METHOD_VISIT, METHODS

ACTIVITY_COLUMNS = ["月份", "联系次数", "走访次数", "慰问金额（元）"]


def month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def month_ends(as_of: dt.date) -> list[dt.date]:
    """The month ends of `as_of`'s year up to `as_of`, then `as_of` itself if it is not one."""
    days = [month_end(as_of.year, m) for m in range(1, as_of.month + 1)]
    days = [d for d in days if d <= as_of]
    return days + ([as_of] if not days or days[-1] != as_of else [])


@dataclass(frozen=True)
class MonthEndPoint:
    day: dt.date
    coverage: float | None  # persons with an active pairing ÷ persons in the register
    cadre_on_track_share: float | None


def month_end_point(session: Session, scope: Scope, day: dt.date, policy: Policy) -> MonthEndPoint:
    persons, paired = session.execute(
        select(func.count(), func.coalesce(func.sum(case((household_paired(day), 1), else_=0)), 0))
        .where(in_register(day), scope.within(Person.village_code))
    ).one()
    # A stored evaluation is used when there is one, but none is stored for each month end.
    rows = compliance.status_rows(session, scope, day, policy, store=False)
    cadres = compliance.cadre_status(scope, day, policy, rows).subquery("cadre_status")
    n, on_track = session.execute(
        select(func.count(), func.sum(case((and_(cadres.c.is_behind == 0, cadres.c.is_silent == 0), 1), else_=0)))
    ).one()
    return MonthEndPoint(day, int(paired) / persons if persons else None, int(on_track or 0) / n if n else None)


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


def _visits():
    return func.coalesce(func.sum(case((Contact.method == METHOD_VISIT, 1), else_=0)), 0)


def monthly_activity(session: Session, scope: Scope, as_of: dt.date) -> pd.DataFrame:
    """Contacts (any method; a visit is a contact too), visits (实地走访) and gifts recorded per
    month of `as_of`'s year, up to `as_of`; every month up to as_of has a row (zeros included)."""
    month = extract("month", Contact.contact_date)
    statement = _contacts_in_scope(scope, dt.date(as_of.year, 1, 1), as_of).add_columns(
        month,
        func.count(),
        _visits(),
        func.coalesce(func.sum(Contact.gift_yuan), 0),
    ).group_by(month)
    found = {int(r[0]): (int(r[1]), int(r[2]), float(r[3])) for r in session.execute(statement).all()}
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
    row = session.execute(
        _contacts_in_scope(scope, start, end).add_columns(
            func.count(),
            _visits(),
            func.coalesce(func.sum(Contact.gift_yuan), 0),
        )
    ).one()
    return PeriodActivity(int(row[0]), int(row[1]), float(row[2]))


HOLIDAY_COLUMNS = ["节日", "日期", "节日天数", "联系次数", "联系到的结对户", "在结对户", "节日联系率"]


def holiday_contacts(session: Session, scope: Scope, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Per traditional festival with days in start..end (from `holiday_days`): contacts dated on
    its days, the pairings reached on them, the pairings active on its first day in scope, and the
    share of those reached. Festivals in date order; empty when the calendar has none."""
    festivals = session.execute(
        select(HolidayDay.name, func.min(HolidayDay.day), func.max(HolidayDay.day), func.count())
        .where(HolidayDay.day >= start, HolidayDay.day <= end)
        .group_by(HolidayDay.name)
        .order_by(func.min(HolidayDay.day))
    ).all()
    records = []
    for name, first, last, days in festivals:
        on_festival = _contacts_in_scope(scope, first, last).join(
            HolidayDay, and_(HolidayDay.day == Contact.contact_date, HolidayDay.name == name)
        )
        contacts, reached = session.execute(
            on_festival.add_columns(func.count(), func.count(func.distinct(Contact.pairing_id)))
        ).one()
        active = session.execute(
            select(func.count())
            .select_from(Pairing)
            .join(Household, Household.id == Pairing.household_id)
            .where(active_on(first), scope.within(Household.village_code))
        ).scalar_one()
        dates = f"{first:%m-%d}" if first == last else f"{first:%m-%d}至{last:%m-%d}"
        records.append((name, dates, days, contacts, reached, active, reached / active if active else None))
    return pd.DataFrame(records, columns=HOLIDAY_COLUMNS)
