"""The compliance rule of RULES.md, once, in SQL: owed and done contacts/visits, 滞后 / 失联 / 达标.

`pairing_status(scope, as_of, policy)` is the single definition; every page, export, CLI command
and roll-up selects from it, directly or through `status_rows` (the same rows, read from a stored
evaluation of it at province and city scope, see status_store): the roll-ups per region / unit /
cadre, the inspectors' laggard list (filtered, worst first, paged), the `export laggards` frame and
the cadre detail below. Thresholds come from `Policy`. The date arithmetic is done in Python into
bound parameters, so the same statement runs on SQLite and PostgreSQL.

Reading of the boundaries (see RULES.md):
- a period counts when it ended on or before D, the pairing was active on its last day e, and
  e - start_date >= grace_days;
- a pairing is judged for silence when D - start_date >= silent_days, and is silent when it has no
  contact dated D - silent_days + 1 .. D;
- the first home visit (认门) is overdue when D - start_date >= first_visit_days and no 实地走访
  is dated start_date .. D.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Select, and_, case, func, literal, or_, select, true
from sqlalchemy.orm import Session, aliased

from data_access import audit, exporting, masking, needs, permissions, status_store
from data_access.models import (
    Cadre,
    Contact,
    Household,
    Need,
    Pairing,
    Person,
    Region,
    SupervisionAction,
    Unit,
)
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope
from data_access.vocabulary import GROUPS, METHOD_VISIT, STATUS_BEHIND, STATUS_ON_TRACK, STATUS_SILENT

QUARTER_ENDS = ((3, 31), (6, 30), (9, 30), (12, 31))
HALF_ENDS = ((6, 30), (12, 31))


def period_ends(year: int, ends: tuple[tuple[int, int], ...]) -> list[dt.date]:
    return [dt.date(year, month, day) for month, day in ends]


def active_on(day: dt.date, pairing=Pairing):
    """SQL condition: the pairing (or an alias of it) is active on `day` (start <= day < end)."""
    return and_(pairing.start_date <= day, or_(pairing.end_date.is_(None), pairing.end_date > day))


def in_scope_pairing(scope: Scope, pairing_id_column):
    """SQL: `pairing_id_column` names a pairing of a household inside `scope` (true everywhere for the
    whole database). An IN list, not a join, so a date-range scan of contacts stays on its covering
    index: the province gift sum took 6 s joined, 1.3 s this way (0.1 s for a city)."""
    if not scope.prefix:
        return true()
    inside = select(Pairing.id).join(Household, Household.id == Pairing.household_id)
    return pairing_id_column.in_(inside.where(scope.within(Household.village_code)))


def effective_scope(session: Session, scope: Scope) -> Scope:
    """`scope`, or EVERYWHERE when no household and no person lies outside it: the same rows
    without the filter. Every pairing, contact and need belongs to a household (not-null foreign
    keys) and a status row carries its household's village code, so a province database seen from
    its province need not be filtered through the region index or an IN list of all its pairings
    (the year's gift sum: 1.4 s -> 0.2 s). For data rows only: lists of regions keep `scope`."""
    if not scope.prefix:
        return scope
    for column in (Household.village_code, Person.village_code):
        # Codes are digit strings: when the first and last (index ends) are inside, all between are.
        first = session.scalar(select(func.min(column)))
        last = session.scalar(select(func.max(column)))
        if first is not None and not (scope.contains(first) and scope.contains(last)):
            return scope
    return EVERYWHERE


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
    before_recent = and_(older.pairing_id == Pairing.id, older.contact_date < recent_start)
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


# Scopes wider than a county (the whole database, a province, a city) read a stored evaluation,
# storing it first when there is none; a county or smaller runs the rule itself (0.1 s).
STORE_BELOW_PREFIX = 6


def status_rows(session: Session, scope: Scope, as_of: dt.date, policy: Policy, store: bool = True) -> Select:
    """`pairing_status(scope, as_of, policy)`: the same rows and columns, read from the stored
    evaluation of the rule (status_store) when one is valid for this day and policy. For a scope
    wider than a county with none stored, the whole database is evaluated and stored first (unless
    `store` is False, or `session` has written and so must see its own changes): once per day,
    policy and change to households, pairings or contacts, however many figures and viewers."""
    snapshot = status_store.find(session, as_of, policy)
    if snapshot is None and store and len(scope.prefix) < STORE_BELOW_PREFIX:
        snapshot = store_status(session, as_of, policy)
    if snapshot is None:
        return pairing_status(scope, as_of, policy)
    return status_store.rows(snapshot, scope)


def store_status(session: Session, as_of: dt.date, policy: Policy) -> int | None:
    """Evaluate the rule over the whole database on `as_of` and store it (or find it stored); the
    stored evaluation's id, or None when `session` has written (see status_store.can_store_from)."""
    if not status_store.can_store_from(session):
        return None
    return status_store.store(session.get_bind(), as_of, policy, pairing_status(EVERYWHERE, as_of, policy))


def first_visits_overdue(scope: Scope, as_of: dt.date, policy: Policy) -> Select:
    """Only the pairings of `pairing_status` with first_visit_overdue = 1 (the same reading of
    RULES.md: active on D, D - start_date >= first_visit_days, no 实地走访 dated start_date .. D),
    without the contact figures — for lists of 认门 overdue, where scanning every pairing's year of
    contacts would be wasted. Columns: pairing_id, cadre_id, household_id, village_code, start_date."""
    visited = (
        select(Contact.id)
        .where(Contact.pairing_id == Pairing.id, Contact.method == METHOD_VISIT,
               Contact.contact_date >= Pairing.start_date, Contact.contact_date <= as_of)
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


def cadre_status(scope: Scope, as_of: dt.date, policy: Policy, rows: Select | None = None) -> Select:
    """One row per cadre with a pairing active on `as_of` in scope: the worst over their pairings.
    `rows`: the pairing_status rows to use (e.g. from `status_rows`); by default the rule itself."""
    rows = (rows if rows is not None else pairing_status(scope, as_of, policy)).subquery("pairing_status")
    return select(rows.c.cadre_id, *_cadre_aggregates(rows)).group_by(rows.c.cadre_id)


def cadre_on_track_counts(session: Session, scope: Scope, as_of: dt.date, policy: Policy) -> tuple[int, int]:
    """(cadres with a pairing active on `as_of` in scope, those of them on track): the count and the
    on-track count of `cadre_status` (on track: none of the cadre's pairings behind or silent),
    counted as distinct cadres over the status rows instead of grouping every cadre (0.6 s -> 0.25 s
    per day at province), for series of days such as the month ends of 趋势分析."""
    rows = status_rows(session, scope, as_of, policy).subquery("pairing_status")
    lagging = case((or_(rows.c.is_behind == 1, rows.c.is_silent == 1), rows.c.cadre_id))
    cadres, lagging_cadres = session.execute(
        select(func.count(func.distinct(rows.c.cadre_id)), func.count(func.distinct(lagging)))
    ).one()
    return int(cadres), int(cadres) - int(lagging_cadres)


def _cadre_aggregates(rows) -> list:
    """A cadre's figures over their pairing_status rows: the worst status and the sums."""
    return [
        func.count().label("pairings"),
        func.max(rows.c.is_behind).label("is_behind"),
        func.max(rows.c.is_silent).label("is_silent"),
        func.sum(rows.c.done_contacts).label("done_contacts"),
        func.sum(rows.c.owed_contacts).label("owed_contacts"),
        func.sum(rows.c.done_visits).label("done_visits"),
        func.sum(rows.c.owed_visits).label("owed_visits"),
        func.max(rows.c.last_contact).label("last_contact"),
    ]


def summary(session: Session, scope: Scope, as_of: dt.date, policy: Policy) -> ComplianceSummary:
    """Pairing and cadre figures in one pass: per cadre first (worst status), then summed."""
    rows = status_rows(session, scope, as_of, policy).subquery("pairing_status")
    lagging = or_(rows.c.is_behind == 1, rows.c.is_silent == 1)
    per_cadre = (
        select(
            func.count().label("pairings"),
            func.sum(case((lagging, 0), else_=1)).label("on_track"),
            func.sum(rows.c.is_behind).label("behind"),
            func.sum(rows.c.is_silent).label("silent"),
            func.max(case((lagging, 1), else_=0)).label("cadre_lagging"),
            func.sum(rows.c.owed_contacts).label("owed_contacts"),
            func.sum(rows.c.done_contacts).label("done_contacts"),
            func.sum(rows.c.owed_visits).label("owed_visits"),
            func.sum(rows.c.done_visits).label("done_visits"),
            func.sum(rows.c.first_visit_overdue).label("first_visit_overdue"),
        )
        .group_by(rows.c.cadre_id)
        .subquery("per_cadre")
    )
    c = per_cadre.c
    totals = session.execute(
        select(
            func.coalesce(func.sum(c.pairings), 0),
            func.coalesce(func.sum(c.on_track), 0),
            func.coalesce(func.sum(c.behind), 0),
            func.coalesce(func.sum(c.silent), 0),
            func.count(),
            func.coalesce(func.sum(1 - c.cadre_lagging), 0),
            func.coalesce(func.sum(c.owed_contacts), 0),
            func.coalesce(func.sum(c.done_contacts), 0),
            func.coalesce(func.sum(c.owed_visits), 0),
            func.coalesce(func.sum(c.done_visits), 0),
            func.coalesce(func.sum(c.first_visit_overdue), 0),
        )
    ).one()
    return ComplianceSummary(*(int(v) for v in totals))


# --- the inspectors' laggard list ----------------------------------------------------------------

STATUS_BOTH = status_label(True, True)
LAGGARD_STATUSES = (STATUS_BEHIND, STATUS_SILENT, STATUS_BOTH)


@dataclass(frozen=True)
class LaggardFilter:
    """What an inspector narrows the laggard list by; None / empty means no narrowing."""

    unit_id: int | None = None
    rank: str | None = None
    group: str | None = None  # a person of this group lives in the household
    status: str | None = None  # 滞后: behind (silent or not); 失联: silent; 滞后、失联: both
    min_days_silent: int | None = None  # no contact for more than this many days
    reminded_only: bool = False  # the cadre was reminded or supervised this year, on or before D
    text: str = ""  # part of a cadre's name or code, or of a unit's name


def _silent_since(rows):
    """The day the pairing went quiet: its last contact, or its start when it never had one."""
    return func.coalesce(rows.c.last_contact, rows.c.start_date)


def _capped(done, owed):
    return case((done < owed, done), else_=owed)


def _shortfall(rows):
    return (rows.c.owed_contacts - _capped(rows.c.done_contacts, rows.c.owed_contacts)) + (
        rows.c.owed_visits - _capped(rows.c.done_visits, rows.c.owed_visits)
    )


def _reminded(cadre_id, as_of: dt.date):
    return (
        select(SupervisionAction.id)
        .where(
            SupervisionAction.cadre_id == cadre_id,
            SupervisionAction.issued_date >= dt.date(as_of.year, 1, 1),
            SupervisionAction.issued_date <= as_of,
        )
        .exists()
    )


def _status_conditions(status: str | None, is_behind, is_silent) -> list:
    if status == STATUS_BEHIND:
        return [is_behind == 1]
    if status == STATUS_SILENT:
        return [is_silent == 1]
    if status == STATUS_BOTH:
        return [is_behind == 1, is_silent == 1]
    return [or_(is_behind == 1, is_silent == 1)]


def _text_condition(text: str):
    text = text.strip()
    if not text:
        return None
    return or_(
        Cadre.name.contains(text, autoescape=True),
        Cadre.code.contains(text, autoescape=True),
        Unit.name.contains(text, autoescape=True),
    )


def _cadres_matching(flt: LaggardFilter):
    """SQL: ids of the cadres the filter's unit, rank and text allow (None: no such condition)."""
    conditions = []
    if flt.unit_id is not None:
        conditions.append(Cadre.unit_id == flt.unit_id)
    if flt.rank:
        conditions.append(Cadre.rank == flt.rank)
    text = _text_condition(flt.text)
    if text is not None:
        conditions.append(text)
    if not conditions:
        return None
    return select(Cadre.id).join(Unit, Unit.id == Cadre.unit_id).where(*conditions)


def _laggards(session: Session, scope: Scope, as_of: dt.date, policy: Policy, flt: LaggardFilter) -> Select:
    """Behind or silent pairings active on `as_of`, filtered, worst first: both before silent before
    behind, then the largest shortfall, then the longest silence.

    Names (cadre, unit, household, village) are not joined here but looked up for the rows shown:
    joined after the grouped rule, PostgreSQL misjudges the row count and loops over whole tables."""
    rows = status_rows(session, scope, as_of, policy).subquery("pairing_status")
    silent_since = _silent_since(rows)
    conditions = _status_conditions(flt.status, rows.c.is_behind, rows.c.is_silent)
    cadres = _cadres_matching(flt)
    if cadres is not None:
        conditions.append(rows.c.cadre_id.in_(cadres))
    if flt.group:
        conditions.append(
            select(Person.id).where(Person.household_id == rows.c.household_id, Person.group == flt.group).exists()
        )
    if flt.min_days_silent is not None:
        conditions.append(silent_since < as_of - dt.timedelta(days=flt.min_days_silent))
    if flt.reminded_only:
        conditions.append(_reminded(rows.c.cadre_id, as_of))
    return (
        select(
            rows.c.pairing_id,
            rows.c.cadre_id,
            rows.c.household_id,
            rows.c.owed_contacts,
            rows.c.done_contacts,
            rows.c.owed_visits,
            rows.c.done_visits,
            rows.c.last_contact,
            silent_since.label("silent_since"),
            rows.c.is_behind,
            rows.c.is_silent,
            rows.c.first_visit_overdue,
        )
        .where(*conditions)
        .order_by(
            (rows.c.is_behind + 2 * rows.c.is_silent).desc(),
            _shortfall(rows).desc(),
            silent_since,
            rows.c.cadre_id,
            rows.c.pairing_id,
        )
    )


def _chunks(ids, size: int = 500):
    ids = sorted(set(ids))
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def household_groups(session: Session, household_ids) -> dict[int, str]:
    """The groups of the persons in each household, joined with 、 in the vocabulary's order."""
    found: dict[int, set[str]] = {}
    for chunk in _chunks(household_ids):
        statement = select(Person.household_id, Person.group).where(Person.household_id.in_(chunk)).distinct()
        for household_id, group in session.execute(statement):
            found.setdefault(household_id, set()).add(group)
    order = {group: i for i, group in enumerate(GROUPS)}
    return {h: "、".join(sorted(groups, key=lambda g: (order.get(g, 99), g))) for h, groups in found.items()}


def reminder_counts(session: Session, cadre_ids, as_of: dt.date) -> dict[int, int]:
    """How many reminders / supervision orders each cadre received this year, on or before D."""
    counts: dict[int, int] = {}
    for chunk in _chunks(cadre_ids):
        statement = (
            select(SupervisionAction.cadre_id, func.count())
            .where(
                SupervisionAction.cadre_id.in_(chunk),
                SupervisionAction.issued_date >= dt.date(as_of.year, 1, 1),
                SupervisionAction.issued_date <= as_of,
            )
            .group_by(SupervisionAction.cadre_id)
        )
        counts.update(dict(session.execute(statement).all()))
    return counts


def cadre_names(session: Session, cadre_ids) -> dict[int, tuple[str, str, str, str]]:
    """cadre id → (code, name, rank, unit name), for the rows shown."""
    found = {}
    for chunk in _chunks(cadre_ids):
        statement = (
            select(Cadre.id, Cadre.code, Cadre.name, Cadre.rank, Unit.name)
            .join(Unit, Unit.id == Cadre.unit_id)
            .where(Cadre.id.in_(chunk))
        )
        found.update({r[0]: tuple(r[1:]) for r in session.execute(statement)})
    return found


def household_places(session: Session, household_ids) -> dict[int, tuple[str, str, str]]:
    """household id → (code, township name, village name), for the rows shown."""
    village = Region.__table__.alias("village")
    township = Region.__table__.alias("township")
    found = {}
    for chunk in _chunks(household_ids):
        statement = (
            select(Household.id, Household.code, township.c.name, village.c.name)
            .outerjoin(village, village.c.code == Household.village_code)
            .outerjoin(township, township.c.code == village.c.parent_code)
            .where(Household.id.in_(chunk))
        )
        found.update({r[0]: (r[1], r[2] or "", r[3] or "") for r in session.execute(statement)})
    return found


LAGGARD_COLUMNS = [
    "状态", "干部姓名", "干部编号", "职级", "工作单位", "户编号", "乡镇", "村", "类别",
    "已联系", "应联系", "已走访", "应走访", "最近联系日期", "未联系天数", "认门", "本年提醒",
]
LAGGARDS_EXPORT_COLUMNS = [
    "干部编号", "干部姓名", "工作单位", "户编号", "乡镇", "村", "类别", "状态",
    "已联系", "应联系", "已走访", "应走访", "最近联系日期",
]


@dataclass(frozen=True)
class LaggardPage:
    total: int  # laggard pairings matching the filter
    rows: pd.DataFrame  # LAGGARD_COLUMNS, plus pairing_id and cadre_id for selecting rows


def _cadre_columns(cadre: tuple) -> dict[str, str]:
    """The cadre's columns of a list, from a `cadre_names` entry (code, name, rank, unit)."""
    code, name, rank, unit = cadre[:4]
    return {"干部姓名": name, "干部编号": code, "职级": rank, "工作单位": unit}


def _laggard_frame(session: Session, rows, as_of: dt.date) -> pd.DataFrame:
    household_ids = [r["household_id"] for r in rows]
    cadre_ids = [r["cadre_id"] for r in rows]
    groups = household_groups(session, household_ids)
    places = household_places(session, household_ids)
    cadres = cadre_names(session, cadre_ids)
    reminded = reminder_counts(session, cadre_ids, as_of)
    records = [
        {
            "状态": status_label(r["is_behind"], r["is_silent"]),
            **_cadre_columns(cadres[r["cadre_id"]]),
            "户编号": places[r["household_id"]][0],
            "乡镇": places[r["household_id"]][1],
            "村": places[r["household_id"]][2],
            "类别": groups.get(r["household_id"], ""),
            "已联系": int(r["done_contacts"]),
            "应联系": int(r["owed_contacts"]),
            "已走访": int(r["done_visits"]),
            "应走访": int(r["owed_visits"]),
            "最近联系日期": r["last_contact"],
            "未联系天数": (as_of - r["silent_since"]).days,
            "认门": "逾期" if r["first_visit_overdue"] else "",
            "本年提醒": reminded.get(r["cadre_id"], 0),
            "pairing_id": r["pairing_id"],
            "cadre_id": r["cadre_id"],
        }
        for r in rows
    ]
    return pd.DataFrame(records, columns=LAGGARD_COLUMNS + ["pairing_id", "cadre_id"])


def laggard_page(
    session: Session,
    scope: Scope,
    as_of: dt.date,
    policy: Policy,
    flt: LaggardFilter = LaggardFilter(),
    page: int = 1,
    page_size: int = 50,
) -> LaggardPage:
    """One page of the laggard list, worst first, and how many rows match in all."""
    statement = _laggards(session, scope, as_of, policy, flt)
    paged = statement.add_columns(func.count().over().label("total")).limit(page_size).offset(
        (max(page, 1) - 1) * page_size
    )
    rows = session.execute(paged).mappings().all()
    if rows:
        total = rows[0]["total"]
    else:
        total = session.execute(select(func.count()).select_from(statement.subquery())).scalar_one()
    return LaggardPage(total=int(total), rows=_laggard_frame(session, rows, as_of))


def laggards_frame(
    session: Session, scope: Scope, as_of: dt.date, policy: Policy, flt: LaggardFilter = LaggardFilter()
) -> pd.DataFrame:
    """Every behind or silent pairing active on `as_of` (the `export laggards` list), worst first."""
    rows = session.execute(_laggards(session, scope, as_of, policy, flt)).mappings().all()
    return _laggard_frame(session, rows, as_of)[LAGGARDS_EXPORT_COLUMNS]


def laggard_pairings_of(session: Session, scope: Scope, as_of: dt.date, policy: Policy, cadre_ids) -> list[int]:
    """The behind or silent pairings of these cadres on `as_of` (what a reminder to a cadre is about)."""
    rows = status_rows(session, scope, as_of, policy).subquery("pairing_status")
    statement = select(rows.c.pairing_id).where(
        rows.c.cadre_id.in_(list(cadre_ids)), or_(rows.c.is_behind == 1, rows.c.is_silent == 1)
    )
    return list(session.scalars(statement.order_by(rows.c.pairing_id)))


# --- roll-ups ---------------------------------------------------------------------------------------

def _share(part, whole):
    return [p / w if w else None for p, w in zip(part, whole, strict=True)]


REGION_ROLLUP_COLUMNS = [
    "地区", "结对户数", "达标", "滞后", "失联", "结对达标率", "干部数", "有滞后失联的干部",
    "联系完成率", "走访完成率", "认门逾期",
]


def region_rollup(
    session: Session, scope: Scope, as_of: dt.date, policy: Policy, code_length: int = 9
) -> pd.DataFrame:
    """Per region whose code has `code_length` digits (9: township, 12: village), lowest share of
    on-track pairings first. Completion rates cap each pairing's done at what it owes."""
    rows = status_rows(session, scope, as_of, policy).subquery("pairing_status")
    region_code = func.substr(rows.c.village_code, 1, code_length)
    lagging = or_(rows.c.is_behind == 1, rows.c.is_silent == 1)
    statement = (
        select(
            region_code.label("region_code"),
            func.count(),
            func.sum(case((lagging, 0), else_=1)),
            func.sum(rows.c.is_behind),
            func.sum(rows.c.is_silent),
            func.count(rows.c.cadre_id.distinct()),
            func.count(case((lagging, rows.c.cadre_id)).distinct()),
            func.sum(_capped(rows.c.done_contacts, rows.c.owed_contacts)),
            func.sum(rows.c.owed_contacts),
            func.sum(_capped(rows.c.done_visits, rows.c.owed_visits)),
            func.sum(rows.c.owed_visits),
            func.sum(rows.c.first_visit_overdue),
        )
        .group_by(region_code)
    )
    data = [tuple(int(v or 0) if i else v for i, v in enumerate(r)) for r in session.execute(statement)]
    names = dict(session.execute(select(Region.code, Region.name).where(Region.code.in_([d[0] for d in data]))).all())
    frame = pd.DataFrame(
        data,
        columns=["code", "结对户数", "达标", "滞后", "失联", "干部数", "有滞后失联的干部",
                 "done_c", "owed_c", "done_v", "owed_v", "认门逾期"],
    )
    frame.insert(0, "地区", [names.get(code, code) for code in frame["code"]])
    frame["结对达标率"] = _share(frame["达标"], frame["结对户数"])
    frame["联系完成率"] = _share(frame["done_c"], frame["owed_c"])
    frame["走访完成率"] = _share(frame["done_v"], frame["owed_v"])
    frame = frame.sort_values(["结对达标率", "结对户数"], ascending=[True, False], na_position="last")
    return frame[["code"] + REGION_ROLLUP_COLUMNS].reset_index(drop=True)


UNIT_ROLLUP_COLUMNS = ["工作单位", "干部数", "达标干部", "滞后干部", "失联干部", "干部达标率", "结对户数"]


def unit_rollup(
    session: Session, scope: Scope, as_of: dt.date, policy: Policy, limit: int | None = None
) -> pd.DataFrame:
    """Per work unit: its cadres with a pairing in scope, by their worst status; lowest share of
    on-track cadres first (then the larger unit)."""
    cadres = cadre_status(scope, as_of, policy, status_rows(session, scope, as_of, policy)).subquery("cadre_status")
    on_track = func.sum(case((or_(cadres.c.is_behind == 1, cadres.c.is_silent == 1), 0), else_=1))
    count = func.count()
    statement = (
        select(
            Unit.id, Unit.name, count, on_track, func.sum(cadres.c.is_behind), func.sum(cadres.c.is_silent),
            func.sum(cadres.c.pairings),
        )
        .join(Cadre, Cadre.id == cadres.c.cadre_id)
        .join(Unit, Unit.id == Cadre.unit_id)
        .group_by(Unit.id, Unit.name)
        .order_by((on_track * 1.0 / count), count.desc(), Unit.name)
        .limit(limit)
    )
    data = [(r[0], r[1], *(int(v) for v in r[2:])) for r in session.execute(statement)]
    frame = pd.DataFrame(data, columns=["unit_id", "工作单位", "干部数", "达标干部", "滞后干部", "失联干部", "结对户数"])
    frame["干部达标率"] = _share(frame["达标干部"], frame["干部数"])
    return frame[["unit_id"] + UNIT_ROLLUP_COLUMNS]


CADRE_ROLLUP_COLUMNS = [
    "状态", "干部姓名", "干部编号", "职级", "工作单位", "结对户数", "滞后户数", "失联户数",
    "已联系", "应联系", "已走访", "应走访", "最近联系日期", "本年提醒",
]


def cadre_rollup(
    session: Session,
    scope: Scope,
    as_of: dt.date,
    policy: Policy,
    flt: LaggardFilter = LaggardFilter(),
    page: int = 1,
    page_size: int = 50,
) -> LaggardPage:
    """Per cadre (their worst status over the pairings active on D), worst first, paged. The filter's
    status, unit, rank, reminded and text apply to the cadre; group and days silent to any of their
    lagging pairings."""
    rows = status_rows(session, scope, as_of, policy).subquery("pairing_status")
    silent_since = _silent_since(rows)
    lag_conditions = []
    if flt.group:
        lag_conditions.append(
            select(Person.id).where(Person.household_id == rows.c.household_id, Person.group == flt.group).exists()
        )
    if flt.min_days_silent is not None:
        lag_conditions.append(silent_since < as_of - dt.timedelta(days=flt.min_days_silent))
    matching = and_(or_(rows.c.is_behind == 1, rows.c.is_silent == 1), *lag_conditions)
    per_cadre = (
        select(
            rows.c.cadre_id,
            *_cadre_aggregates(rows),
            func.sum(rows.c.is_behind).label("behind_pairings"),
            func.sum(rows.c.is_silent).label("silent_pairings"),
            func.sum(_shortfall(rows)).label("shortfall"),
            func.max(case((matching, 1), else_=0)).label("matching"),
        )
        .group_by(rows.c.cadre_id)
        .subquery("per_cadre")
    )
    conditions = _status_conditions(flt.status, per_cadre.c.is_behind, per_cadre.c.is_silent)
    conditions.append(per_cadre.c.matching == 1)
    cadres = _cadres_matching(flt)
    if cadres is not None:
        conditions.append(per_cadre.c.cadre_id.in_(cadres))
    if flt.reminded_only:
        conditions.append(_reminded(per_cadre.c.cadre_id, as_of))
    statement = (
        select(per_cadre, func.count().over().label("total"))
        .where(*conditions)
        .order_by(
            (per_cadre.c.is_behind + 2 * per_cadre.c.is_silent).desc(),
            per_cadre.c.shortfall.desc(),
            per_cadre.c.last_contact.is_not(None),
            per_cadre.c.last_contact,
            per_cadre.c.cadre_id,
        )
        .limit(page_size)
        .offset((max(page, 1) - 1) * page_size)
    )
    found = session.execute(statement).mappings().all()
    cadre_ids = [r["cadre_id"] for r in found]
    names = cadre_names(session, cadre_ids)
    reminded = reminder_counts(session, cadre_ids, as_of)
    records = [
        {
            "状态": status_label(r["is_behind"], r["is_silent"]),
            **_cadre_columns(names[r["cadre_id"]]),
            "结对户数": int(r["pairings"]),
            "滞后户数": int(r["behind_pairings"]),
            "失联户数": int(r["silent_pairings"]),
            "已联系": int(r["done_contacts"]),
            "应联系": int(r["owed_contacts"]),
            "已走访": int(r["done_visits"]),
            "应走访": int(r["owed_visits"]),
            "最近联系日期": r["last_contact"],
            "本年提醒": reminded.get(r["cadre_id"], 0),
            "cadre_id": r["cadre_id"],
        }
        for r in found
    ]
    total = int(found[0]["total"]) if found else 0
    return LaggardPage(total=total, rows=pd.DataFrame(records, columns=CADRE_ROLLUP_COLUMNS + ["cadre_id"]))


# --- one cadre ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CadreOption:
    id: int
    code: str
    name: str
    unit: str

    @property
    def label(self) -> str:
        return f"{self.name}（{self.code}，{self.unit}）"


def _cadre_in_scope(scope: Scope):
    """SQL: the cadre has (or had) a pairing with a household inside `scope`."""
    return (
        select(Pairing.id)
        .join(Household, Household.id == Pairing.household_id)
        .where(Pairing.cadre_id == Cadre.id, scope.within(Household.village_code))
        .exists()
    )


def find_cadres(session: Session, scope: Scope, text: str = "", limit: int = 30) -> list[CadreOption]:
    """Cadres paired with a household in scope whose name, code or unit contains `text`.

    Driven from the households in scope (region index) to their pairings' cadres, so a county's
    search does not walk the province's cadre list."""
    in_scope = (
        select(Pairing.cadre_id)
        .join(Household, Household.id == Pairing.household_id)
        .where(scope.within(Household.village_code))
        .distinct()
        .subquery("cadres_in_scope")
    )
    found = (
        select(Cadre.id, Cadre.code, Cadre.name, Unit.name.label("unit"))
        .select_from(in_scope)
        .join(Cadre, Cadre.id == in_scope.c.cadre_id)
        .join(Unit, Unit.id == Cadre.unit_id)
    )
    condition = _text_condition(text)
    if condition is not None:
        found = found.where(condition)
    # Materialised on PostgreSQL, then sorted: for a small LIMIT it otherwise walked every cadre of
    # the province in code order, probing each against the county's pairings (35 s for LIMIT 1).
    found = found.cte("cadres_found").prefix_with("MATERIALIZED", dialect="postgresql")
    statement = select(found.c.id, found.c.code, found.c.name, found.c.unit).order_by(found.c.code).limit(limit)
    return [CadreOption(*row) for row in session.execute(statement)]


@dataclass(frozen=True)
class CadreProfile:
    id: int
    code: str
    name: str
    unit: str
    rank: str
    is_leader: bool
    phone: str  # masked


def cadre_profile(session: Session, scope: Scope, cadre_id: int) -> CadreProfile | None:
    """The cadre, or None when they have no pairing inside `scope` (nothing to show this user)."""
    row = session.execute(
        select(Cadre.id, Cadre.code, Cadre.name, Unit.name, Cadre.rank, Cadre.is_leader, Cadre.phone)
        .join(Unit, Unit.id == Cadre.unit_id)
        .where(Cadre.id == cadre_id, _cadre_in_scope(scope))
    ).first()
    if row is None:
        return None
    return CadreProfile(*row[:6], phone=masking.mask_phone(row[6]))


CADRE_PAIRING_COLUMNS = [
    "户编号", "乡镇", "村", "类别", "结对对象", "开始日期", "结束日期", "状态",
    "已联系", "应联系", "已走访", "应走访", "最近联系日期", "认门",
]


def cadre_pairings(session: Session, scope: Scope, as_of: dt.date, policy: Policy, cadre_id: int) -> pd.DataFrame:
    """The cadre's pairings in scope that were active at some time this year up to D; the status
    columns are filled for those active on D. Names of the persons cared for are masked."""
    status = pairing_status(scope, as_of, policy)
    status = status.where(status.selected_columns.cadre_id == cadre_id).subquery("pairing_status")
    village = Region.__table__.alias("village")
    township = Region.__table__.alias("township")
    statement = (
        select(
            Pairing.id, Pairing.household_id, Household.code, township.c.name, village.c.name,
            Pairing.start_date, Pairing.end_date, status.c.is_behind, status.c.is_silent,
            status.c.done_contacts, status.c.owed_contacts, status.c.done_visits, status.c.owed_visits,
            status.c.last_contact, status.c.first_visit_overdue,
        )
        .join(Household, Household.id == Pairing.household_id)
        .join(village, village.c.code == Household.village_code)
        .outerjoin(township, township.c.code == village.c.parent_code)
        .outerjoin(status, status.c.pairing_id == Pairing.id)
        .where(
            Pairing.cadre_id == cadre_id,
            scope.within(Household.village_code),
            Pairing.start_date <= as_of,
            or_(Pairing.end_date.is_(None), Pairing.end_date > dt.date(as_of.year, 1, 1)),
        )
        .order_by(Pairing.end_date.is_not(None), Household.code, Pairing.start_date)
    )
    rows = session.execute(statement).all()
    household_ids = [r[1] for r in rows]
    groups = household_groups(session, household_ids)
    names: dict[int, list[str]] = {}
    for chunk in _chunks(household_ids):
        for household_id, name in session.execute(
            select(Person.household_id, Person.name).where(Person.household_id.in_(chunk)).order_by(Person.id)
        ):
            names.setdefault(household_id, []).append(masking.mask_name(name))
    records = []
    for r in rows:
        active = r[7] is not None
        records.append(
            [
                r[2], r[3] or "", r[4], groups.get(r[1], ""), "、".join(names.get(r[1], [])), r[5], r[6],
                status_label(r[7], r[8]) if active else "已解除",
                *((int(v) for v in r[9:13]) if active else (None,) * 4),
                r[13] if active else None,
                ("逾期" if r[14] else "") if active else "",
            ]
        )
    return pd.DataFrame(records, columns=CADRE_PAIRING_COLUMNS)


TIMELINE_COLUMNS = ["截至", "应联系", "已联系", "应走访", "已走访", "本季联系", "本季走访"]


def cadre_timeline(session: Session, scope: Scope, as_of: dt.date, policy: Policy, cadre_id: int) -> pd.DataFrame:
    """Owed against done at each quarter end of the year up to D, and at D itself: the rule applied
    as of each of those days (what was known then), summed over the cadre's pairings active that
    day; plus the contacts and visits made within each quarter."""
    points = [end for end in period_ends(as_of.year, QUARTER_ENDS) if end < as_of] + [as_of]
    records = []
    previous = dt.date(as_of.year, 1, 1) - dt.timedelta(days=1)
    for day in points:
        rows = pairing_status(scope, day, policy).subquery("pairing_status")
        owed_c, done_c, owed_v, done_v = session.execute(
            select(
                func.coalesce(func.sum(rows.c.owed_contacts), 0),
                func.coalesce(func.sum(rows.c.done_contacts), 0),
                func.coalesce(func.sum(rows.c.owed_visits), 0),
                func.coalesce(func.sum(rows.c.done_visits), 0),
            ).where(rows.c.cadre_id == cadre_id)
        ).one()
        made, visits = session.execute(
            select(func.count(), func.coalesce(func.sum(case((Contact.method == METHOD_VISIT, 1), else_=0)), 0))
            .join(Pairing, Pairing.id == Contact.pairing_id)
            .join(Household, Household.id == Pairing.household_id)
            .where(
                Pairing.cadre_id == cadre_id,
                scope.within(Household.village_code),
                Contact.contact_date > previous,
                Contact.contact_date <= day,
            )
        ).one()
        records.append([day, int(owed_c), int(done_c), int(owed_v), int(done_v), int(made), int(visits)])
        previous = day
    return pd.DataFrame(records, columns=TIMELINE_COLUMNS)


CONTACT_COLUMNS = ["日期", "方式", "户编号", "内容", "慰问金额（元）"]


def cadre_contacts(session: Session, scope: Scope, as_of: dt.date, cadre_id: int, limit: int = 200) -> pd.DataFrame:
    """The cadre's contacts this year up to D with households in scope, latest first."""
    statement = (
        select(Contact.contact_date, Contact.method, Household.code, Contact.content, Contact.gift_yuan)
        .join(Pairing, Pairing.id == Contact.pairing_id)
        .join(Household, Household.id == Pairing.household_id)
        .where(
            Pairing.cadre_id == cadre_id,
            scope.within(Household.village_code),
            Contact.contact_date >= dt.date(as_of.year, 1, 1),
            Contact.contact_date <= as_of,
        )
        .order_by(Contact.contact_date.desc(), Contact.id.desc())
        .limit(limit)
    )
    rows = [(r[0], r[1], r[2], r[3] or "", float(r[4]) if r[4] is not None else None) for r in session.execute(statement)]
    return pd.DataFrame(rows, columns=CONTACT_COLUMNS)


CADRE_NEED_COLUMNS = ["诉求编号", "户编号", "类别", "内容", "提出日期", "办理期限", "状态", "办结日期"]


def cadre_needs(session: Session, scope: Scope, as_of: dt.date, cadre_id: int) -> pd.DataFrame:
    """Needs raised through the cadre's pairings on or before D, as they stood on D."""
    closed = and_(Need.closed_date.is_not(None), Need.closed_date <= as_of)
    state = case((closed, "已办结"), (needs.overdue_on(as_of), "逾期"), else_="办理中")
    statement = (
        select(Need.code, Household.code, Need.category, Need.content, Need.raised_date, Need.due_date, state,
               case((closed, Need.closed_date)))
        .join(Pairing, Pairing.id == Need.pairing_id)
        .join(Household, Household.id == Need.household_id)
        .where(Pairing.cadre_id == cadre_id, scope.within(Household.village_code), Need.raised_date <= as_of)
        .order_by(Need.raised_date.desc(), Need.code)
    )
    return pd.DataFrame([tuple(r) for r in session.execute(statement)], columns=CADRE_NEED_COLUMNS)


def unit_options(session: Session, scope: Scope, as_of: dt.date) -> list[tuple[int, str]]:
    """Units with a cadre paired on `as_of` with a household in scope: (id, name), by name."""
    statement = (
        select(Unit.id, Unit.name)
        .where(
            select(Pairing.id)
            .join(Cadre, Cadre.id == Pairing.cadre_id)
            .join(Household, Household.id == Pairing.household_id)
            .where(Cadre.unit_id == Unit.id, active_on(as_of), scope.within(Household.village_code))
            .exists()
        )
        .order_by(Unit.name)
    )
    return [tuple(r) for r in session.execute(statement)]


def export_laggards(
    session: Session,
    username: str,
    role: str,
    scope: Scope,
    as_of: dt.date,
    policy: Policy,
    flt: LaggardFilter,
    region_name: str,
    fmt: str = "xlsx",
) -> bytes:
    """The laggard list as a file (CSV with BOM or xlsx), stamped and audited in this transaction."""
    permissions.require(role, "export_lists")
    frame = laggards_frame(session, scope, as_of, policy, flt)
    what = f"滞后干部名单（截至 {as_of}）"
    stamp = exporting.ExportStamp(username, what, region_name, dt.datetime.now())
    data = exporting.to_csv_bytes(frame, stamp) if fmt == "csv" else exporting.to_xlsx_bytes({"滞后干部名单": frame}, stamp)
    audit.record(session, username, "export", scope.prefix or None, "滞后干部名单",
                 {"rows": len(frame), "as_of": as_of, "format": fmt, "filter": dataclasses.asdict(flt)})
    return data
