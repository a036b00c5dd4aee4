"""The compliance rule of RULES.md, once, in SQL: owed and done contacts/visits, 滞后 / 失联 / 达标.

`pairing_status(scope, as_of, policy)` is the single definition; every page, export, CLI command
and roll-up selects from it, directly or through `evaluation.status_rows` (the same rows, read from
a stored evaluation of it, see status_store). Thresholds come from `Policy`. The date arithmetic is
done in Python into bound parameters, so the same statement runs on SQLite and PostgreSQL.

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

from sqlalchemy import Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import aliased

from data_access import entry_times
from data_access.models import (
    Contact,
    Household,
    Pairing,
)
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
    owed_visits, done_contacts, done_visits, last_contact, is_behind, is_silent,
    first_visit_overdue (flags are 0/1 integers).

    Speed at province scale: one pass over the active pairings in scope, each joined to its own
    recent contacts (this year, and the silence window when it reaches into last year) through the
    covering index (pairing_id, contact_date, method) and grouped; older history is looked up per
    pairing only when the recent contacts do not already answer (CASE / COALESCE are lazy on both
    backends): no recent contact for `last_contact`, no recent visit for 认门.
    """
    year_start = dt.date(as_of.year, 1, 1)
    silent_window_start = as_of - dt.timedelta(days=policy.silent_days - 1)
    recent_start = min(year_start, silent_window_start)
    is_visit = Contact.method == METHOD_VISIT
    from_start = Contact.contact_date >= Pairing.start_date
    in_year = and_(
        Contact.contact_date >= year_start,
        from_start,
        or_(Pairing.end_date.is_(None), Contact.contact_date < Pairing.end_date),
    )
    older = aliased(Contact, name="older_contacts")
    # Read as known on D (按录入时间, policy.as_known): contacts entered after D do not exist yet.
    known = [entry_times.known_by(as_of)] if policy.as_known else []
    known_older = [entry_times.known_by(as_of, older)] if policy.as_known else []
    before_recent = and_(older.pairing_id == Pairing.id, older.contact_date < recent_start, *known_older)
    visit_before = and_(before_recent, older.method == METHOD_VISIT, older.contact_date >= Pairing.start_date)
    last_before = select(func.max(older.contact_date)).where(before_recent).correlate(Pairing).scalar_subquery()
    recent_last = func.max(Contact.contact_date)
    recent_first_visit = func.min(case((and_(is_visit, from_start), Contact.contact_date)))
    owed_contacts = policy.contacts_per_period * _counted_periods(
        as_of, period_ends(as_of.year, QUARTER_ENDS), policy.grace_days
    )
    owed_visits = policy.visits_per_period * _counted_periods(
        as_of, period_ends(as_of.year, HALF_ENDS), policy.grace_days
    )
    is_silent = case(
        (Pairing.start_date > as_of - dt.timedelta(days=policy.silent_days), 0),
        (recent_last >= silent_window_start, 0),
        else_=1,
    )
    first_visit_overdue = case(
        (Pairing.start_date > as_of - dt.timedelta(days=policy.first_visit_days), 0),
        (recent_first_visit.is_not(None), 0),
        (select(older.id).where(visit_before).correlate(Pairing).exists(), 0),
        else_=1,
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
            func.coalesce(func.sum(case((in_year, 1), else_=0)), 0).label("done_contacts"),
            func.coalesce(func.sum(case((and_(in_year, is_visit), 1), else_=0)), 0).label("done_visits"),
            func.coalesce(recent_last, last_before).label("last_contact"),
            is_silent.label("is_silent"),
            first_visit_overdue.label("first_visit_overdue"),
        )
        .join(Household, Household.id == Pairing.household_id)
        .outerjoin(
            Contact,
            and_(
                Contact.pairing_id == Pairing.id,
                Contact.contact_date >= recent_start,
                Contact.contact_date <= as_of,
                *known,
            ),
        )
        .where(active_on(as_of), scope.within(Household.village_code))
        # cadre and village in the key too, so a filter on them is pushed into this grouped query
        .group_by(Pairing.id, Household.id, Pairing.cadre_id, Household.village_code)
        .subquery("pairing_figures")
    )
    is_behind = case(
        (or_(base.c.done_contacts < base.c.owed_contacts, base.c.done_visits < base.c.owed_visits), 1),
        else_=0,
    )
    columns = [c for c in base.c if c.name not in ("is_silent", "first_visit_overdue")]
    return select(*columns, is_behind.label("is_behind"), base.c.is_silent, base.c.first_visit_overdue)


def first_visits_overdue(scope: Scope, as_of: dt.date, policy: Policy) -> Select:
    """Only the pairings of `pairing_status` with first_visit_overdue = 1 (the same reading of
    RULES.md: active on D, D - start_date >= first_visit_days, no 实地走访 dated start_date .. D),
    without the contact figures — for lists of 认门 overdue, where scanning every pairing's year of
    contacts would be wasted. Columns: pairing_id, cadre_id, household_id, village_code, start_date."""
    visited = (
        select(Contact.id)
        .where(Contact.pairing_id == Pairing.id, Contact.method == METHOD_VISIT,
               Contact.contact_date >= Pairing.start_date, Contact.contact_date <= as_of,
               *([entry_times.known_by(as_of)] if policy.as_known else []))
        .exists()
    )
    return (
        select(Pairing.id.label("pairing_id"), Pairing.cadre_id, Pairing.household_id, Household.village_code,
               Pairing.start_date)
        .join(Household, Household.id == Pairing.household_id)
        .where(
            active_on(as_of),
            scope.within(Household.village_code),
            Pairing.start_date <= as_of - dt.timedelta(days=policy.first_visit_days),
            ~visited,
        )
    )


def status_label(is_behind: bool, is_silent: bool) -> str:
    """滞后, 失联, 滞后、失联 or 达标 — the wording every page and export uses."""
    parts = [label for flag, label in ((is_behind, STATUS_BEHIND), (is_silent, STATUS_SILENT)) if flag]
    return "、".join(parts) if parts else STATUS_ON_TRACK
