"""数据核查: the office's own checklist over the stored records, each check one SQL list inside the
region scope, counted, paged and exportable (ID numbers masked).

The checks: the same ID number entered more than once (身份重复); records the office flagged
不符合保障条件 / 不适宜结对关爱 / 身份重复; persons in the register with no active pairing
(gaps.unpaired_persons, the one definition); children of the two child groups who have turned
`policy.adult_age` and are still in those groups; households whose persons have all exited while a
pairing is still active; cadres paired with more households than `policy.max_households_per_cadre`;
and, as one pair of lists, leading cadres (gaps.is_leading_cadre) with no child to care for while
children are paired with ordinary cadres (gaps.children_without_leading_cadre).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Select, and_, exists, func, inspect, not_, or_, select, true
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.util import ClauseAdapter

from data_access import audit, db, gaps, permissions, sorting
from data_access.compliance import active_on, effective_scope
from data_access.coverage import household_paired, in_register
from data_access.exporting import ExportStamp, to_xlsx_bytes
from data_access.masking import mask_id_number
from data_access.models import Cadre, Household, Pairing, Person, Region, Unit
from data_access.permissions import Actor
from data_access.policy import Policy
from data_access.scope import Scope
from data_access.sorting import Sort
from data_access.vocabulary import CHILD_GROUPS, VERIFICATION_FLAGS

EXPORT_LIMIT = 100_000
PERSON_COLUMNS = ["身份证号", "姓名", "类别", "户编号", "乡镇", "村"]
CADRE_COLUMNS = ["干部编号", "干部姓名", "职级", "工作单位"]


@dataclass(frozen=True)
class Check:
    key: str
    title: str
    description: str
    count: Callable[[Session, Scope, dt.date, Policy], int]
    rows: Callable[..., pd.DataFrame]  # (session, scope, as_of, policy, offset, limit, first: ORDER BY keys)
    sorts: tuple[Sort, ...] = ()  # the 排序 choices: the check's own order first, then by place or unit


# 排序 of the lists (sorting.Sort labels): the check's own order (first, the default), or by place
# (region codes: township, then village) or by unit, each then in the check's own order.
BY_PLACE_KEYS = (Person.village_code,)
BY_UNIT_KEYS = (Unit.name,)
_ORDER_KEYS = {sorting.BY_PLACE: BY_PLACE_KEYS, sorting.BY_UNIT: BY_UNIT_KEYS}


def sorts(key: str) -> list[str]:
    """The 排序 labels of one check, its own order first."""
    return sorting.labels(BY_KEY[key].sorts)


def _first_keys(check: Check, order: str | None) -> tuple:
    """ORDER BY keys to put before the check's own order for the label `order` (none: its own)."""
    label = sorting.pick(check.sorts, order).label if check.sorts else None
    return _ORDER_KEYS.get(label, ())


def _persons(scope: Scope, *columns, where=()) -> Select:
    """Persons inside the scope with their place, plus `columns`, filtered by `where`."""
    village = aliased(Region, name="village")
    township = aliased(Region, name="township")
    return (
        select(Person.id_number, Person.name, Person.group, Household.code, township.name, village.name, *columns)
        .join(Household, Household.id == Person.household_id)
        .join(village, village.code == Person.village_code)
        .outerjoin(township, township.code == village.parent_code)
        .where(scope.within(Person.village_code), *where)
    )


def _cadres_in_scope(scope: Scope, as_of: dt.date) -> Select:
    """Cadres with a pairing active on `as_of` with a household inside the scope."""
    return (
        select(Pairing.cadre_id)
        .join(Household, Household.id == Pairing.household_id)
        .where(active_on(as_of), scope.within(Household.village_code))
        .correlate(None)
    )


def _query_check(key: str, title: str, description: str, build: Callable[..., Select],
                 columns: list[str], masked: bool = True, convert: Callable[[tuple, dt.date, Policy], tuple] | None = None,
                 data_rows: bool = True, sorts: tuple[Sort, ...] = ()) -> Check:
    """`build(scope, as_of, policy, first)`: the check's statement, ordered by `first` then its own
    order. `data_rows`: the check's scope reaches only households, persons and their pairings, so a
    scope holding all of them reads them unfiltered (compliance.effective_scope); not for checks that
    also place cadres by their unit's region."""
    def scoped(session: Session, scope: Scope) -> Scope:
        return effective_scope(session, scope) if data_rows else scope

    def count(session: Session, scope: Scope, as_of: dt.date, policy: Policy) -> int:
        query = build(scoped(session, scope), as_of, policy).order_by(None).subquery()
        return session.execute(select(func.count()).select_from(query)).scalar_one()

    def rows(session: Session, scope: Scope, as_of: dt.date, policy: Policy, offset: int = 0, limit: int = 100,
             first: tuple = ()):
        result = session.execute(build(scoped(session, scope), as_of, policy, first).offset(offset).limit(limit)).all()
        records = [convert(tuple(r), as_of, policy) if convert else tuple(r) for r in result]
        if masked:
            records = [(mask_id_number(r[0]), *r[1:]) for r in records]
        return pd.DataFrame(records, columns=columns)

    return Check(key, title, description, count, rows, sorts)


# ---- the checks -------------------------------------------------------------------------------

def _duplicates(scope: Scope, as_of: dt.date, policy: Policy, first: tuple = ()) -> Select:
    other = aliased(Person)
    copies = select(func.count()).where(other.id_number == Person.id_number).scalar_subquery()
    another = exists().where(other.id_number == Person.id_number, other.id != Person.id)
    if scope.province_wide:
        # Another record with the same number exists exactly when the number occurs more than once:
        # for the province, the repeated numbers come from one walk of the ID-number index and the
        # list follows that index (asking per person took 0.5 s; per person stays cheaper in a county).
        another = Person.id_number.in_(select(other.id_number).group_by(other.id_number).having(func.count() > 1))
    return _persons(scope, Person.status, copies, where=(another,)).order_by(*first, Person.id_number, Person.id)


def _flagged(scope: Scope, as_of: dt.date, policy: Policy, first: tuple = ()) -> Select:
    return _persons(
        scope, Person.verification_flag, household_paired(as_of),
        where=(Person.verification_flag.in_(VERIFICATION_FLAGS),),
    ).order_by(*first, Person.verification_flag, Person.village_code, Person.id)


def _flagged_row(row: tuple, as_of: dt.date, policy: Policy) -> tuple:
    return (*row[:-1], "是" if row[-1] else "否")


def adult_cutoff(as_of: dt.date, years: int) -> dt.date:
    """The latest birth date of someone who has turned `years` on `as_of` (29 Feb → 28 Feb)."""
    try:
        return as_of.replace(year=as_of.year - years)
    except ValueError:
        return as_of.replace(year=as_of.year - years, day=28)


def _grown_up(scope: Scope, as_of: dt.date, policy: Policy, first: tuple = ()) -> Select:
    return _persons(
        scope, Person.birth_date, household_paired(as_of),
        where=(Person.group.in_(CHILD_GROUPS), in_register(as_of),
               Person.birth_date <= adult_cutoff(as_of, policy.adult_age)),
    ).order_by(*first, Person.birth_date, Person.id)


def _grown_up_row(row: tuple, as_of: dt.date, policy: Policy) -> tuple:
    birth = row[6]
    try:
        turned = birth.replace(year=birth.year + policy.adult_age)
    except ValueError:
        turned = birth.replace(year=birth.year + policy.adult_age, month=3, day=1)
    return (*row[:6], birth, turned, "是" if row[7] else "否")


def _exited_paired(scope: Scope, as_of: dt.date, policy: Policy, first: tuple = ()) -> Select:
    other = aliased(Person, name="other_person")
    other_in_register = ClauseAdapter(inspect(other).selectable).traverse(in_register(as_of))
    # Asked per exited person of a paired household (a few thousand), not as a list of every
    # household with someone in the register.
    still_in = exists().where(other.household_id == Person.household_id, other_in_register,
                              scope.within(other.village_code))
    cadre = (
        select(func.min(Cadre.name))
        .join(Pairing, Pairing.cadre_id == Cadre.id)
        .where(Pairing.household_id == Person.household_id, active_on(as_of))
        .scalar_subquery()
    )
    return _persons(
        scope, Person.exit_date, Person.exit_reason, cadre,
        where=(not_(in_register(as_of)), household_paired(as_of), not_(still_in)),
    ).order_by(*first, Person.exit_date, Person.id)


def _has_pairing_in_scope(scope: Scope, as_of: dt.date, cadre_id):
    """SQL: the cadre has a pairing active on `as_of` with a household inside the scope (asked per
    cadre: the _cadres_in_scope list, for the province, is every pairing)."""
    pairing = aliased(Pairing, name="scope_pairing")
    return exists().where(
        pairing.cadre_id == cadre_id, active_on(as_of, pairing), Household.id == pairing.household_id,
        scope.within(Household.village_code),
    )


def _overloaded(scope: Scope, as_of: dt.date, policy: Policy, first: tuple = ()) -> Select:
    per_cadre = (
        select(Pairing.cadre_id, func.count(func.distinct(Pairing.household_id)).label("households"))
        .where(active_on(as_of))
        .group_by(Pairing.cadre_id)
        .having(func.count(func.distinct(Pairing.household_id)) > policy.max_households_per_cadre)
    )
    # A county's cadres first, then their pairings; for the province every cadre is counted once in
    # cadre order and only the few over the limit are checked for a pairing in the scope.
    if not scope.province_wide:
        per_cadre = per_cadre.where(Pairing.cadre_id.in_(_cadres_in_scope(scope, as_of)))
    per_cadre = per_cadre.subquery("per_cadre")
    statement = (
        select(Cadre.code, Cadre.name, Cadre.rank, Unit.name, per_cadre.c.households)
        .join(per_cadre, per_cadre.c.cadre_id == Cadre.id)
        .join(Unit, Unit.id == Cadre.unit_id)
        .order_by(*first, per_cadre.c.households.desc(), Cadre.code)
    )
    if scope.province_wide and scope.prefix:
        statement = statement.where(_has_pairing_in_scope(scope, as_of, Cadre.id))
    return statement


def _children_with_ordinary_cadres_exist(scope: Scope, as_of: dt.date):
    # Each child of the scope asks for an ordinary cadre's pairing of its household, until one does
    # (as IN lists, SQLite first listed the households of every ordinary cadre's pairing).
    ordinary_pairing = (
        select(Pairing.id)
        .join(Cadre, Cadre.id == Pairing.cadre_id)
        .where(Pairing.household_id == Person.household_id, active_on(as_of), not_(gaps.is_leading_cadre()))
        .exists()
    )
    return exists(
        select(Person.id)
        .where(Person.group.in_(CHILD_GROUPS), in_register(as_of), scope.within(Person.village_code),
               ordinary_pairing)
        .correlate(None)
    )


def _idle_leaders(scope: Scope, as_of: dt.date, policy: Policy, first: tuple = ()) -> Select:
    """Leading cadres of the scope (by unit, or by a pairing there) with no child to care for, listed
    only while children in the scope are paired with ordinary cadres."""
    # Driven from the cadre's own pairings (cadre index), then their households' persons: written as
    # an IN list of every child's household, SQLite probed that list per leader (443 s for the province).
    child_in_household = exists().where(
        Person.household_id == Pairing.household_id, Person.group.in_(CHILD_GROUPS), in_register(as_of)
    )
    child_pairing = exists().where(Pairing.cadre_id == Cadre.id, active_on(as_of), child_in_household)
    households = (
        select(func.count(func.distinct(Pairing.household_id)))
        .where(Pairing.cadre_id == Cadre.id, active_on(as_of))
        .scalar_subquery()
    )
    in_scope = or_(and_(Unit.region_code.is_not(None), scope.within(Unit.region_code)),
                   _has_pairing_in_scope(scope, as_of, Cadre.id)) if scope.prefix else true()
    return (
        select(Cadre.code, Cadre.name, Cadre.rank, Unit.name, households)
        .join(Unit, Unit.id == Cadre.unit_id)
        .where(
            gaps.is_leading_cadre(),
            in_scope,
            not_(child_pairing),
            _children_with_ordinary_cadres_exist(scope, as_of),
        )
        .order_by(*first, households, Cadre.rank, Cadre.code)
    )


def _leaders_idle_exist(session: Session, scope: Scope, as_of: dt.date, policy: Policy) -> bool:
    return session.execute(select(exists(_idle_leaders(scope, as_of, policy).order_by(None)))).scalar_one()


def _ordinary_count(session: Session, scope: Scope, as_of: dt.date, policy: Policy) -> int:
    if not _leaders_idle_exist(session, scope, as_of, policy):
        return 0
    children = gaps.children_without_leading_cadre(session, effective_scope(session, scope), as_of, limit=EXPORT_LIMIT)
    return len(children)


def _ordinary_rows(session: Session, scope: Scope, as_of: dt.date, policy: Policy, offset: int = 0,
                   limit: int = 100, first: tuple = ()) -> pd.DataFrame:
    frame = gaps.children_without_leading_cadre(session, effective_scope(session, scope), as_of, limit=offset + limit,
                                                first=first)
    if not _leaders_idle_exist(session, scope, as_of, policy):
        frame = frame.iloc[0:0]
    return frame.iloc[offset:offset + limit].reset_index(drop=True)


def _unpaired_count(session: Session, scope: Scope, as_of: dt.date, policy: Policy) -> int:
    return gaps.count_unpaired(session, effective_scope(session, scope), as_of)


def _unpaired_rows(session: Session, scope: Scope, as_of: dt.date, policy: Policy, offset: int = 0,
                   limit: int = 100, first: tuple = ()) -> pd.DataFrame:
    frame = gaps.unpaired_persons(session, effective_scope(session, scope), as_of, limit=offset + limit, first=first)
    return frame.iloc[offset:offset + limit].reset_index(drop=True)


def _by_place(own: str) -> tuple[Sort, ...]:
    return Sort(own), Sort(sorting.BY_PLACE)


def _by_unit(own: str) -> tuple[Sort, ...]:
    return Sort(own), Sort(sorting.BY_UNIT)


CHECKS: tuple[Check, ...] = (
    _query_check(
        "duplicates", "身份重复", "同一个身份证号录入了两条及以上记录（不同户、不同村或不同类别），应核实后只保留一条。",
        _duplicates, PERSON_COLUMNS + ["状态", "同号记录数"], sorts=_by_place("同号记录相邻（按身份证号）"),
    ),
    _query_check(
        "flagged", "核查标记", "经办人员核查时标记为不符合保障条件、不适宜结对关爱或身份重复的对象，“当前结对”为是的应尽快调整。",
        _flagged, PERSON_COLUMNS + ["核查标记", "当前结对"], convert=_flagged_row, sorts=_by_place("按核查标记排列"),
    ),
    Check(
        "unpaired", "在册未结对", "在册对象所在户在截至日期没有在结对关系，应尽快安排干部结对。",
        _unpaired_count, _unpaired_rows, _by_place("未结对最久的在前"),
    ),
    _query_check(
        "grown_up", "儿童已成年", "孤儿、事实无人抚养儿童已年满规定年龄仍在儿童类别中，应调整类别或结对（年龄见规则设置）。",
        _grown_up, PERSON_COLUMNS + ["出生日期", "年满日期", "当前结对"], convert=_grown_up_row,
        sorts=_by_place("成年最早的在前"),
    ),
    _query_check(
        "exited_paired", "已退出仍结对", "户内对象均已退出（去世、迁出、脱困等），但结对关系仍未解除。",
        _exited_paired, PERSON_COLUMNS + ["退出日期", "退出原因", "结对干部"], sorts=_by_place("退出最早的在前"),
    ),
    _query_check(
        "overloaded", "干部结对超户数", "同一名干部结对的户数超过规定上限（上限见规则设置）。",
        _overloaded, CADRE_COLUMNS + ["结对户数"], masked=False, sorts=_by_unit("结对户数最多的在前"),
    ),
    _query_check(
        "idle_leaders", "领导干部未结对儿童",
        "县级、科级等领导干部没有结对孤儿、事实无人抚养儿童，而本地区仍有儿童由一般干部结对：应优先由领导干部担任爱心爸妈。",
        _idle_leaders, CADRE_COLUMNS + ["结对户数"], masked=False, data_rows=False,
        sorts=_by_unit("结对户数最少的在前"),
    ),
    Check(
        "ordinary_cadres", "儿童由一般干部结对",
        "孤儿、事实无人抚养儿童由一般干部结对，而本地区仍有领导干部没有结对儿童（与上一项对照调整）。",
        _ordinary_count, _ordinary_rows, (Sort("按户编号排列"), Sort(sorting.BY_PLACE), Sort(sorting.BY_UNIT)),
    ),
)
BY_KEY = {check.key: check for check in CHECKS}


def counts(session: Session, scope: Scope, as_of: dt.date, policy: Policy) -> dict[str, int]:
    """How many rows each check lists, in the order of CHECKS."""
    return {check.key: check.count(session, scope, as_of, policy) for check in CHECKS}


def rows(session: Session, key: str, scope: Scope, as_of: dt.date, policy: Policy, offset: int = 0,
         limit: int = 100, order: str | None = None) -> pd.DataFrame:
    """One page of one check's list (ID numbers masked) in the order named `order` (one of
    `sorts(key)`; default the check's own), so page 2 is page 2 of that order."""
    check = BY_KEY[key]
    return check.rows(session, scope, as_of, policy, offset, limit, first=_first_keys(check, order))


def export(session: Session, key: str, scope: Scope, as_of: dt.date, policy: Policy, region_name: str,
           order: str | None = None, *, actor: Actor) -> bytes:
    """The whole list of one check as a workbook (masked, stamped) in the page's order, recorded in the
    audit log."""
    permissions.check(actor, "export_lists", scope)
    username = actor.username
    check = BY_KEY[key]
    frame = check.rows(session, scope, as_of, policy, 0, EXPORT_LIMIT, first=_first_keys(check, order))
    what = f"数据核查：{check.title}（截至 {as_of:%Y-%m-%d}）"
    data = to_xlsx_bytes({check.title: frame}, ExportStamp(username, what, region_name, dt.datetime.now()))
    audit.record(session, username, "export", scope.prefix or None, what, {"rows": len(frame), "check": key})
    # an export writes its audit line only: every stored set stays valid
    db.bump_version(session, status_inputs=False, evidence_inputs=False, assessment_inputs=False, signal_inputs=False)
    return data
