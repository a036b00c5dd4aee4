"""One cadre: search, profile, pairings with their status, the year's timeline, contacts and needs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from data_access import masking, needs
from data_access.compliance.filters import text_condition
from data_access.compliance.lookups import chunks, household_groups
from data_access.compliance.rule import QUARTER_ENDS, pairing_status, period_ends, status_label
from data_access.models import (
    Cadre,
    Contact,
    Household,
    Need,
    Pairing,
    Person,
    Region,
    Unit,
)
from data_access.policy import Policy
from data_access.scope import Scope, cadre_in_scope, effective_scope
from data_access.vocabulary import METHOD_VISIT


@dataclass(frozen=True)
class CadreOption:
    id: int
    code: str
    name: str
    unit: str

    @property
    def label(self) -> str:
        return f"{self.name}（{self.code}，{self.unit}）"


def find_cadres(session: Session, scope: Scope, text: str = "", limit: int = 30) -> list[CadreOption]:
    """Cadres paired with a household in scope whose name, code or unit contains `text`.

    Driven from the households in scope (region index) to their pairings' cadres, so a county's
    search does not walk the province's cadre list; when the scope holds every household (a
    province database seen from its province), from the cadres in code order instead, each probed
    for a pairing, so the first 30 do not need the province's 200 thousand cadres sorted."""
    condition = text_condition(text)
    if not effective_scope(session, scope).prefix:
        everywhere = (
            select(Cadre.id, Cadre.code, Cadre.name, Unit.name.label("unit"))
            .join(Unit, Unit.id == Cadre.unit_id)
            .where(select(Pairing.id).where(Pairing.cadre_id == Cadre.id).exists(),
                   *([condition] if condition is not None else []))
            .order_by(Cadre.code)
            .limit(limit)
        )
        return [CadreOption(*row) for row in session.execute(everywhere)]
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
    phone: str  # the cadre's work phone, in full: 干部详情 is for inspectors and leaders


def cadre_profile(session: Session, scope: Scope, cadre_id: int) -> CadreProfile | None:
    """The cadre, or None when they have no pairing inside `scope` (nothing to show this user)."""
    row = session.execute(
        select(Cadre.id, Cadre.code, Cadre.name, Unit.name, Cadre.rank, Cadre.is_leader, Cadre.phone)
        .join(Unit, Unit.id == Cadre.unit_id)
        .where(Cadre.id == cadre_id, cadre_in_scope(scope))
    ).first()
    if row is None:
        return None
    return CadreProfile(*row[:6], phone=row[6] or "")


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
    for chunk in chunks(household_ids):
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


@dataclass(frozen=True)
class CadreStanding:
    status: str  # the worst over the cadre's pairings active on D: 达标, 滞后, 失联 or 滞后、失联
    active: int  # pairings active on D in scope
    lagging: int  # of those, behind or silent


def cadre_standing(session: Session, scope: Scope, as_of: dt.date, policy: Policy, cadre_id: int) -> CadreStanding:
    """The cadre's status on D (the rule's rows of their pairings in scope, as `cadre_pairings`)."""
    status = pairing_status(scope, as_of, policy)
    rows = status.where(status.selected_columns.cadre_id == cadre_id).subquery("pairing_status")
    lagging = case((or_(rows.c.is_behind == 1, rows.c.is_silent == 1), 1), else_=0)
    active, behind, silent, lagging_count = session.execute(
        select(func.count(), func.max(rows.c.is_behind), func.max(rows.c.is_silent),
               func.coalesce(func.sum(lagging), 0))
    ).one()
    return CadreStanding(status_label(bool(behind), bool(silent)), int(active), int(lagging_count))


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


CONTACT_COLUMNS = ["日期", "方式", "户编号", "内容", "慰问金额（元）", "录入时间", "录入来源"]


def cadre_contacts(session: Session, scope: Scope, as_of: dt.date, cadre_id: int, limit: int = 200) -> pd.DataFrame:
    """The cadre's contacts this year up to D with households in scope, latest first."""
    statement = (
        select(Contact.contact_date, Contact.method, Household.code, Contact.content, Contact.gift_yuan,
               Contact.entered_at, Contact.entry_source)
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
    rows = [(r[0], r[1], r[2], r[3] or "", float(r[4]) if r[4] is not None else None, r[5], r[6])
            for r in session.execute(statement)]
    return pd.DataFrame(rows, columns=CONTACT_COLUMNS)


CADRE_NEED_COLUMNS = ["诉求编号", "户编号", "类别", "内容", "提出日期", "办理期限", "状态", "办结日期"]


def cadre_needs(session: Session, scope: Scope, as_of: dt.date, cadre_id: int) -> pd.DataFrame:
    """Needs raised through the cadre's pairings on or before D, as they stood on D."""
    closed = and_(Need.closed_date.is_not(None), Need.closed_date <= as_of)
    done_state, open_state, overdue_state = NEED_STATES
    state = case((closed, done_state), (needs.overdue_on(as_of), overdue_state), else_=open_state)
    statement = (
        select(Need.code, Household.code, Need.category, Need.content, Need.raised_date, Need.due_date, state,
               case((closed, Need.closed_date)))
        .join(Pairing, Pairing.id == Need.pairing_id)
        .join(Household, Household.id == Need.household_id)
        .where(Pairing.cadre_id == cadre_id, scope.within(Household.village_code), Need.raised_date <= as_of)
        .order_by(Need.raised_date.desc(), Need.code)
    )
    return pd.DataFrame([tuple(r) for r in session.execute(statement)], columns=CADRE_NEED_COLUMNS)


NEED_STATES = ("已办结", "办理中", "逾期")


def need_state_counts(frame: pd.DataFrame) -> dict[str, int]:
    """How many of `cadre_needs`' rows stood in each of NEED_STATES on D."""
    counts = frame["状态"].value_counts()
    return {state: int(counts.get(state, 0)) for state in NEED_STATES}
