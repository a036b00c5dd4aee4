"""The compliance rule of RULES.md, once, in SQL: owed and done contacts/visits, 滞后 / 失联 / 达标.

`pairing_status(scope, as_of, policy)` is the single definition; every page, export, CLI command
and roll-up selects from it. Thresholds come from `Policy`. The date arithmetic is done in Python
into bound parameters, so the same statement runs on SQLite and PostgreSQL.

Reading of the boundaries (see RULES.md):
- a period counts when it ended on or before D, the pairing was active on its last day e, and
  e - start_date >= grace_days;
- a pairing is judged for silence when D - start_date >= silent_days, and is silent when it has no
  contact dated D - silent_days + 1 .. D;
- the first home visit (认门) is overdue when D - start_date >= first_visit_days and no 实地走访
  is dated start_date .. D.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from data_access.models import Contact, Household, Pairing
from data_access.policy import Policy
from data_access.scope import Scope
from data_access.vocabulary import METHOD_VISIT, STATUS_BEHIND, STATUS_ON_TRACK, STATUS_SILENT

QUARTER_ENDS = ((3, 31), (6, 30), (9, 30), (12, 31))
HALF_ENDS = ((6, 30), (12, 31))


def period_ends(year: int, ends: tuple[tuple[int, int], ...]) -> list[dt.date]:
    return [dt.date(year, month, day) for month, day in ends]


def active_on(day: dt.date, pairing=Pairing):
    """SQL condition: the pairing (or an alias of it) is active on `day` (start <= day < end)."""
    return and_(pairing.start_date <= day, or_(pairing.end_date.is_(None), pairing.end_date > day))


def _counted_periods(as_of: dt.date, ends: list[dt.date], grace_days: int):
    """SQL: how many of the periods ending on `ends` count for the pairing at `as_of`."""
    terms = [
        case(
            (
                and_(
                    Pairing.start_date <= end - dt.timedelta(days=grace_days),
                    or_(Pairing.end_date.is_(None), Pairing.end_date > end),
                ),
                1,
            ),
            else_=0,
        )
        for end in ends
        if end <= as_of
    ]
    if not terms:
        return literal(0)
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def pairing_status(scope: Scope, as_of: dt.date, policy: Policy) -> Select:
    """One row per pairing active on `as_of` inside `scope`, with the RULES.md figures.

    Columns: pairing_id, cadre_id, household_id, village_code, start_date, owed_contacts,
    owed_visits, done_contacts, done_visits, last_contact, first_visit, is_behind, is_silent,
    first_visit_overdue (flags are 0/1 integers).
    """
    year_start = dt.date(as_of.year, 1, 1)
    in_year = and_(
        Contact.pairing_id == Pairing.id,
        Contact.contact_date >= year_start,
        Contact.contact_date >= Pairing.start_date,
        Contact.contact_date <= as_of,
        or_(Pairing.end_date.is_(None), Contact.contact_date < Pairing.end_date),
    )
    done_contacts = select(func.count()).where(in_year).scalar_subquery()
    done_visits = select(func.count()).where(in_year, Contact.method == METHOD_VISIT).scalar_subquery()
    last_contact = (
        select(func.max(Contact.contact_date))
        .where(Contact.pairing_id == Pairing.id, Contact.contact_date <= as_of)
        .scalar_subquery()
    )
    first_visit = (
        select(func.min(Contact.contact_date))
        .where(
            Contact.pairing_id == Pairing.id,
            Contact.method == METHOD_VISIT,
            Contact.contact_date >= Pairing.start_date,
            Contact.contact_date <= as_of,
        )
        .scalar_subquery()
    )
    owed_contacts = policy.contacts_per_period * _counted_periods(
        as_of, period_ends(as_of.year, QUARTER_ENDS), policy.grace_days
    )
    owed_visits = policy.visits_per_period * _counted_periods(
        as_of, period_ends(as_of.year, HALF_ENDS), policy.grace_days
    )
    base = (
        select(
            Pairing.id.label("pairing_id"),
            Pairing.cadre_id,
            Pairing.household_id,
            Household.village_code,
            Pairing.start_date,
            owed_contacts.label("owed_contacts"),
            owed_visits.label("owed_visits"),
            done_contacts.label("done_contacts"),
            done_visits.label("done_visits"),
            last_contact.label("last_contact"),
            first_visit.label("first_visit"),
        )
        .join(Household, Household.id == Pairing.household_id)
        .where(active_on(as_of), scope.within(Household.village_code))
        .subquery("pairing_figures")
    )
    silent_window_start = as_of - dt.timedelta(days=policy.silent_days - 1)
    judged_silent = base.c.start_date <= as_of - dt.timedelta(days=policy.silent_days)
    first_visit_due = base.c.start_date <= as_of - dt.timedelta(days=policy.first_visit_days)
    return select(
        *base.c,
        case(
            (or_(base.c.done_contacts < base.c.owed_contacts, base.c.done_visits < base.c.owed_visits), 1),
            else_=0,
        ).label("is_behind"),
        case(
            (
                and_(
                    judged_silent,
                    or_(base.c.last_contact.is_(None), base.c.last_contact < silent_window_start),
                ),
                1,
            ),
            else_=0,
        ).label("is_silent"),
        case((and_(first_visit_due, base.c.first_visit.is_(None)), 1), else_=0).label("first_visit_overdue"),
    )


def status_label(is_behind: bool, is_silent: bool) -> str:
    """滞后, 失联, 滞后、失联 or 达标 — the wording every page and export uses."""
    parts = [label for flag, label in ((is_behind, STATUS_BEHIND), (is_silent, STATUS_SILENT)) if flag]
    return "、".join(parts) if parts else STATUS_ON_TRACK


@dataclass(frozen=True)
class ComplianceSummary:
    active_pairings: int
    pairings_on_track: int
    pairings_behind: int
    pairings_silent: int
    cadres: int
    cadres_on_track: int
    owed_contacts: int
    done_contacts: int
    owed_visits: int
    done_visits: int
    first_visits_overdue: int

    @property
    def cadre_on_track_share(self) -> float | None:
        return self.cadres_on_track / self.cadres if self.cadres else None


def cadre_status(scope: Scope, as_of: dt.date, policy: Policy) -> Select:
    """One row per cadre with a pairing active on `as_of` in scope: the worst over their pairings."""
    rows = pairing_status(scope, as_of, policy).subquery("pairing_status")
    return (
        select(
            rows.c.cadre_id,
            func.count().label("pairings"),
            func.max(rows.c.is_behind).label("is_behind"),
            func.max(rows.c.is_silent).label("is_silent"),
            func.sum(rows.c.done_contacts).label("done_contacts"),
            func.sum(rows.c.owed_contacts).label("owed_contacts"),
            func.sum(rows.c.done_visits).label("done_visits"),
            func.sum(rows.c.owed_visits).label("owed_visits"),
            func.max(rows.c.last_contact).label("last_contact"),
        )
        .group_by(rows.c.cadre_id)
    )


def summary(session: Session, scope: Scope, as_of: dt.date, policy: Policy) -> ComplianceSummary:
    rows = pairing_status(scope, as_of, policy).subquery("pairing_status")
    on_track = case((and_(rows.c.is_behind == 0, rows.c.is_silent == 0), 1), else_=0)
    p = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(on_track), 0),
            func.coalesce(func.sum(rows.c.is_behind), 0),
            func.coalesce(func.sum(rows.c.is_silent), 0),
            func.coalesce(func.sum(rows.c.owed_contacts), 0),
            func.coalesce(func.sum(rows.c.done_contacts), 0),
            func.coalesce(func.sum(rows.c.owed_visits), 0),
            func.coalesce(func.sum(rows.c.done_visits), 0),
            func.coalesce(func.sum(rows.c.first_visit_overdue), 0),
        )
    ).one()
    cadres = cadre_status(scope, as_of, policy).subquery("cadre_status")
    c = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((and_(cadres.c.is_behind == 0, cadres.c.is_silent == 0), 1), else_=0)), 0),
        )
    ).one()
    return ComplianceSummary(
        active_pairings=p[0],
        pairings_on_track=int(p[1]),
        pairings_behind=int(p[2]),
        pairings_silent=int(p[3]),
        cadres=c[0],
        cadres_on_track=int(c[1]),
        owed_contacts=int(p[4]),
        done_contacts=int(p[5]),
        owed_visits=int(p[6]),
        done_visits=int(p[7]),
        first_visits_overdue=int(p[8]),
    )



