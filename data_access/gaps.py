"""Gaps that need a decision: persons in the register with no active pairing, pairings ended with
no successor, and children not paired with a leading cadre. Shared by the leaders' pages, the
verification page and the 逾期 view."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import and_, exists, func, not_, or_, select
from sqlalchemy.orm import Session, aliased

from data_access import gap_store
from data_access.compliance import active_on
from data_access.coverage import in_register
from data_access.masking import mask_id_number
from data_access.models import Cadre, Household, Pairing, Person, Region, Unit
from data_access.policy import Policy, load_policy
from data_access.scope import Scope
from data_access.sorting import list_order, worst_first
from data_access.vocabulary import CHILD_GROUPS, RANK_COUNTY, RANK_SECTION


def is_leading_cadre():
    """SQL: the cadre counts as a leading cadre (领导干部): flagged, or of county or section rank."""
    return or_(Cadre.is_leader.is_(True), Cadre.rank.in_((RANK_COUNTY, RANK_SECTION)))


def _household_active(as_of: dt.date, household_id_column):
    other = aliased(Pairing)
    return exists().where(other.household_id == household_id_column, active_on(as_of, other))


def _place_columns():
    village = aliased(Region, name="village")
    township = aliased(Region, name="township")
    return village, township


def unpaired_query(scope: Scope, as_of: dt.date, only=None):
    """Subquery: persons in the register on `as_of` inside `scope` whose household has no active
    pairing (given `only`, a SELECT of person ids, among those), with the day their household's
    last pairing ended by then (None when it never had one).

    Columns: person_id, id_number, name, group, household_code, township, village, village_code, last_end."""
    village, township = _place_columns()
    last_end = (
        select(func.max(Pairing.end_date))
        .where(Pairing.household_id == Person.household_id, Pairing.end_date <= as_of)
        .scalar_subquery()
    )
    return (
        select(Person.id.label("person_id"), Person.id_number, Person.name, Person.group,
               Household.code.label("household_code"), township.name.label("township"),
               village.name.label("village"), Person.village_code, last_end.label("last_end"))
        .join(Household, Household.id == Person.household_id)
        .join(village, village.code == Person.village_code)
        .outerjoin(township, township.code == village.parent_code)
        .where(in_register(as_of), scope.within(Person.village_code), not_(_household_active(as_of, Person.household_id)),
               *([Person.id.in_(only)] if only is not None else []))
        .subquery("unpaired")
    )


def unpaired_persons(session: Session, scope: Scope, as_of: dt.date, limit: int = 500, first: tuple = ()) -> pd.DataFrame:
    """Persons in the register on `as_of` whose household has no active pairing, with the days
    since their household's last pairing ended (empty when it never had one): unpaired longest first
    (those whose household's pairing ended longest ago, then those never paired), after the ORDER BY
    keys `first` on persons' columns when given (数据核查's 排序). In that default order the first rows
    are drawn from the ids gap_store keeps when its day is valid."""
    only = None
    if not first and gap_store.usable(session, as_of, load_policy(session)):
        only = gap_store.first_ids(session, gap_store.KIND_UNPAIRED, scope, as_of, limit, exact=True)
    rows = unpaired_query(scope, as_of, only)
    found = session.execute(
        select(rows.c.id_number, rows.c.name, rows.c.group, rows.c.household_code, rows.c.township, rows.c.village,
               rows.c.last_end)
        .order_by(*(rows.corresponding_column(key) for key in first),
                  rows.c.last_end.is_(None), rows.c.last_end, rows.c.person_id)
        .limit(limit)
    ).all()
    frame = pd.DataFrame(
        [(mask_id_number(r[0]), r[1], r[2], r[3], r[4], r[5], r[6]) for r in found],
        columns=["身份证号", "姓名", "类别", "户编号", "乡镇", "村", "上次结对解除日期"],
    )
    frame["未结对天数"] = [(as_of - d).days if pd.notna(d) and d else None for d in frame["上次结对解除日期"]]
    return frame


def count_unpaired(session: Session, scope: Scope, as_of: dt.date) -> int:
    if gap_store.usable(session, as_of, load_policy(session)):
        return gap_store.count(session, gap_store.KIND_UNPAIRED, scope, as_of)
    return session.execute(select(func.count()).select_from(unpaired_query(scope, as_of))).scalar_one()


def ended_without_successor_query(scope: Scope, as_of: dt.date, policy: Policy, only=None):
    """Subquery: pairings ended at least `successor_gap_days` before `as_of` whose household, still
    with a person in the register, has no pairing active on `as_of` and none started since (given
    `only`, a SELECT of pairing ids, among those).

    Columns: pairing_id, household_code, village_code, township, village, cadre_id, cadre_code,
    cadre_name, unit_id, unit_name, start_date, end_date, end_reason."""
    cutoff = as_of - dt.timedelta(days=policy.successor_gap_days)
    newer = aliased(Pairing)
    village, township = _place_columns()
    still_in_register = exists().where(Person.household_id == Pairing.household_id, in_register(as_of))
    no_later_pairing = not_(
        exists().where(newer.household_id == Pairing.household_id, newer.start_date > Pairing.start_date,
                       newer.start_date <= as_of)
    )
    return (
        select(Pairing.id.label("pairing_id"), Household.code.label("household_code"), Household.village_code,
               township.name.label("township"), village.name.label("village"), Cadre.id.label("cadre_id"),
               Cadre.code.label("cadre_code"), Cadre.name.label("cadre_name"),
               Unit.id.label("unit_id"), Unit.name.label("unit_name"), Pairing.start_date, Pairing.end_date,
               Pairing.end_reason)
        .join(Household, Household.id == Pairing.household_id)
        .join(Cadre, Cadre.id == Pairing.cadre_id)
        .join(Unit, Unit.id == Cadre.unit_id)
        .join(village, village.code == Household.village_code)
        .outerjoin(township, township.code == village.parent_code)
        .where(
            Pairing.end_date <= cutoff,
            scope.within(Household.village_code),
            still_in_register,
            no_later_pairing,
            not_(_household_active(as_of, Pairing.household_id)),
            *([Pairing.id.in_(only)] if only is not None else []),
        )
        .subquery("ended_without_successor")
    )


def count_ended_without_successor(session: Session, scope: Scope, as_of: dt.date, policy: Policy) -> int:
    if gap_store.usable(session, as_of, policy):
        return gap_store.count(session, gap_store.KIND_NO_SUCCESSOR, scope, as_of)
    return int(session.scalar(select(func.count()).select_from(ended_without_successor_query(scope, as_of, policy)))
               or 0)


def ended_without_successor(
    session: Session, scope: Scope, as_of: dt.date, policy: Policy, limit: int | None = 500, order: str = ""
) -> pd.DataFrame:
    """The rows of `ended_without_successor_query`, longest gap first (or by place or unit:
    sorting.list_order), with the days of the gap. The first rows in the default order are drawn
    from the ids gap_store keeps when its day is valid."""
    only = None
    if limit is not None and worst_first(order) and gap_store.usable(session, as_of, policy):
        only = gap_store.first_ids(session, gap_store.KIND_NO_SUCCESSOR, scope, as_of, limit, exact=True)
    rows = ended_without_successor_query(scope, as_of, policy, only)
    result = session.execute(
        select(rows.c.household_code, rows.c.township, rows.c.village, rows.c.cadre_code, rows.c.cadre_name,
               rows.c.unit_name, rows.c.start_date, rows.c.end_date, rows.c.end_reason)
        .order_by(*list_order(rows, order, (rows.c.end_date, rows.c.pairing_id)))
        .limit(limit)
    ).all()
    frame = pd.DataFrame(
        [tuple(r) for r in result],
        columns=["户编号", "乡镇", "村", "原干部编号", "原干部姓名", "原工作单位", "结对日期", "解除日期", "解除原因"],
    )
    frame["断档天数"] = [(as_of - d).days for d in frame["解除日期"]] if len(frame) else []
    return frame


def _children_without_leading_cadre(columns, scope: Scope, as_of: dt.date, only=None):
    """SELECT `columns` of the children of the two child groups whose active pairing is with a cadre
    who is not a leading cadre (given `only`, a SELECT of person ids, among those): the one
    definition for the list, its count and the children gap_store keeps."""
    return (
        select(*columns)
        .select_from(Person)
        .join(Household, Household.id == Person.household_id)
        .join(Pairing, and_(Pairing.household_id == Household.id, active_on(as_of)))
        .join(Cadre, Cadre.id == Pairing.cadre_id)
        .where(
            Person.group.in_(CHILD_GROUPS),
            in_register(as_of),
            scope.within(Person.village_code),
            not_(is_leading_cadre()),
            *([Person.id.in_(only)] if only is not None else []),
        )
    )


def children_query(scope: Scope, as_of: dt.date):
    """Subquery: each child of `_children_without_leading_cadre` once (a child whose household has
    two such pairings is one child): person_id, village_code. What gap_store keeps."""
    return (_children_without_leading_cadre([Person.id.label("person_id"), Person.village_code], scope, as_of)
            .distinct().subquery("children_without_leading_cadre"))


def _kept_children(session: Session, scope: Scope, as_of: dt.date):
    """The ids of the children gap_store keeps for the day (every child the list can show), or None
    when its day is not valid."""
    if not gap_store.usable(session, as_of, load_policy(session)):
        return None
    return gap_store.ids(gap_store.KIND_CHILDREN, scope, as_of)


def count_children_without_leading_cadre(session: Session, scope: Scope, as_of: dt.date) -> int:
    only = _kept_children(session, scope, as_of)
    return int(session.scalar(_children_without_leading_cadre([func.count()], scope, as_of, only)) or 0)


def children_without_leading_cadre(session: Session, scope: Scope, as_of: dt.date, limit: int = 500,
                                   first: tuple = ()) -> pd.DataFrame:
    """Children of the two child groups whose active pairing is with a cadre who is not a leading cadre,
    by household (after the ORDER BY keys `first` when given: 数据核查's 排序); read for the children
    gap_store keeps when its day is valid (the same rows: the kept children are every child here)."""
    village, township = _place_columns()
    rows = session.execute(
        _children_without_leading_cadre([Person.name, Person.group, Household.code, township.name, village.name,
                                         Cadre.code, Cadre.name, Cadre.rank, Unit.name], scope, as_of,
                                        _kept_children(session, scope, as_of))
        .join(Unit, Unit.id == Cadre.unit_id)
        .join(village, village.code == Person.village_code)
        .outerjoin(township, township.code == village.parent_code)
        .order_by(*first, Household.code, Person.id)
        .limit(limit)
    ).all()
    return pd.DataFrame(
        [tuple(r) for r in rows],
        columns=["姓名", "类别", "户编号", "乡镇", "村", "干部编号", "干部姓名", "职级", "工作单位"],
    )
