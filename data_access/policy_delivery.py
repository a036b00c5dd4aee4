"""Policy delivery (政策落实): for each group the entitled policies of DOMAIN.md
(vocabulary.ENTITLED_POLICIES), how the persons in the register on a day D stand on each, per
group and policy and per township, and the masked list of persons still missing one, for handing
to the responsible department.

As of D, over the entitled policies of persons in the register on D (IMPORT_FORMAT.md 政策落实):
已落实 when the row says 已落实 and its 落实日期 is on or before D; 未落实 when it says 未落实 or its
落实日期 is after D; 不适用 when so reported; 未报送 when there is no row. Missing = 未落实 + 未报送.
落实率 = 已落实 ÷ (entitled − 不适用).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import and_, case, exists, func, literal, not_, or_, select, union_all
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm import join as orm_join

from data_access import audit, permissions
from data_access.compliance import effective_scope
from data_access.coverage import in_register
from data_access.joins import outer_first
from data_access.masking import mask_id_number
from data_access.models import Household, Person, PolicyDelivery, Region
from data_access.scope import Scope
from data_access.vocabulary import (
    ENTITLED_POLICIES,
    GROUPS,
    POLICY_DELIVERED,
    POLICY_NOT_APPLICABLE,
    POLICY_NOT_REPORTED,
    POLICY_UNDELIVERED,
)

STATES = (POLICY_DELIVERED, POLICY_UNDELIVERED, POLICY_NOT_APPLICABLE, POLICY_NOT_REPORTED)
SUMMARY_COLUMNS = ["类别", "应享政策", "在册人数", *STATES, "落实率"]
TOWNSHIP_COLUMNS = ["乡镇代码", "乡镇", "应享人项", *STATES, "落实率"]
MISSING_COLUMNS = ["身份证号", "姓名", "类别", "未落实政策", "状态", "户编号", "乡镇", "村"]


def delivered_on(as_of: dt.date):
    return and_(
        PolicyDelivery.status == POLICY_DELIVERED,
        or_(PolicyDelivery.delivered_date.is_(None), PolicyDelivery.delivered_date <= as_of),
    )


def state_on(as_of: dt.date):
    """SQL: the reported row's state on `as_of` (已落实 / 未落实 / 不适用)."""
    return case((delivered_on(as_of), POLICY_DELIVERED),
                (PolicyDelivery.status == POLICY_NOT_APPLICABLE, POLICY_NOT_APPLICABLE), else_=POLICY_UNDELIVERED)


def _rate(done: int, entitled: int, not_applicable: int) -> float | None:
    base = entitled - not_applicable
    return done / base if base else None


def summary(session: Session, scope: Scope, as_of: dt.date) -> pd.DataFrame:
    """One row per (group, entitled policy) in the order of ENTITLED_POLICIES."""
    scope = effective_scope(session, scope)  # persons only: the province's read unfiltered
    persons = dict(
        session.execute(
            select(Person.group, func.count())
            .where(in_register(as_of), scope.within(Person.village_code))
            .group_by(Person.group)
        ).all()
    )
    reported = _reported(session, scope, as_of, Person.group)
    records = []
    for group in GROUPS:
        total = persons.get(group, 0)
        for policy in ENTITLED_POLICIES[group]:
            counts = reported.get((group, group, policy), {})
            done, undone, na = (counts.get(s, 0) for s in STATES[:3])
            records.append((group, policy, total, done, undone, na, total - done - undone - na, _rate(done, total, na)))
    return pd.DataFrame(records, columns=SUMMARY_COLUMNS)


def _reported(session: Session, scope: Scope, as_of: dt.date, key) -> dict[tuple, dict[str, int]]:
    """(key, group, policy) → {state: rows} of the reported rows of persons in the register."""
    state = state_on(as_of)
    out: dict[tuple, dict[str, int]] = {}
    for k, group, policy, value, n in session.execute(
        # One row per person and policy (uq_policy_person): counting rows counts persons.
        select(key, Person.group, PolicyDelivery.policy, state, func.count())
        # For the province, the deliveries in table order (most persons are read anyway).
        .select_from(outer_first(PolicyDelivery, Person, PolicyDelivery.person_id == Person.id)
                     if scope.province_wide else orm_join(Person, PolicyDelivery, PolicyDelivery.person_id == Person.id))
        .where(in_register(as_of), scope.within(Person.village_code))
        .group_by(key, Person.group, PolicyDelivery.policy, state)
    ):
        out.setdefault((k, group, policy), {})[value] = n
    return out


def by_township(session: Session, scope: Scope, as_of: dt.date) -> pd.DataFrame:
    """One row per township of the scope with persons in the register: entitled person-policies and
    how many are 已落实 / 未落实 / 不适用 / 未报送 on `as_of`, worst rate first."""
    scope = effective_scope(session, scope)
    township = func.substr(Person.village_code, 1, 9)
    persons: dict[str, int] = {}
    for code, group, n in session.execute(
        select(township, Person.group, func.count())
        .where(in_register(as_of), scope.within(Person.village_code)).group_by(township, Person.group)
    ):
        persons[code] = persons.get(code, 0) + n * len(ENTITLED_POLICIES.get(group, ()))
    totals: dict[str, dict[str, int]] = {}
    for (code, group, policy), counts in _reported(session, scope, as_of, township).items():
        if policy in ENTITLED_POLICIES.get(group, ()):
            into = totals.setdefault(code, {})
            for state, n in counts.items():
                into[state] = into.get(state, 0) + n
    names = dict(session.execute(select(Region.code, Region.name).where(Region.code.in_(sorted(persons)))).all())
    records = []
    for code, entitled in persons.items():
        counts = totals.get(code, {})
        done, undone, na = (counts.get(s, 0) for s in STATES[:3])
        records.append((code, names.get(code, code), entitled, done, undone, na, entitled - done - undone - na,
                        _rate(done, entitled, na)))
    frame = pd.DataFrame(records, columns=TOWNSHIP_COLUMNS)
    return frame.sort_values(["落实率", "乡镇代码"], na_position="last", kind="stable").reset_index(drop=True)


def _entitlements(group: str | None, policy: str | None):
    """A small derived table (group, policy) of the entitlements asked for."""
    pairs = [(g, p) for g in GROUPS for p in ENTITLED_POLICIES[g]
             if (group is None or g == group) and (policy is None or p == policy)]
    if not pairs:
        pairs = [("", "")]  # nothing entitled: a row that matches no person
    return union_all(
        *(select(literal(g).label("group_name"), literal(p).label("policy")) for g, p in pairs)
    ).subquery("entitled")


def _missing(scope: Scope, as_of: dt.date, group: str | None, policy: str | None, state: str | None = None):
    """Persons × entitled policies that are 未落实 or 未报送 on `as_of` (or only `state` of them)."""
    entitled = _entitlements(group, policy)
    reported = exists().where(PolicyDelivery.person_id == Person.id, PolicyDelivery.policy == entitled.c.policy)
    settled = exists().where(
        PolicyDelivery.person_id == Person.id, PolicyDelivery.policy == entitled.c.policy,
        or_(delivered_on(as_of), PolicyDelivery.status == POLICY_NOT_APPLICABLE),
    )
    if state == POLICY_NOT_REPORTED:
        condition = not_(reported)
    elif state == POLICY_UNDELIVERED:
        condition = and_(reported, not_(settled))
    else:
        condition = not_(settled)
    # Persons first, each with its group's few entitlements: the other way round SQLite scanned
    # every person once per entitlement, and could not walk persons in village order for a page.
    return entitled, reported, (
        select()
        .select_from(outer_first(Person, entitled, entitled.c.group_name == Person.group))
        .where(in_register(as_of), scope.within(Person.village_code), condition)
    )


def count_missing(session: Session, scope: Scope, as_of: dt.date, group: str | None = None,
                  policy: str | None = None, state: str | None = None) -> int:
    """How many (person, entitled policy) pairs are 未落实 or 未报送 on `as_of` (or only `state`; the
    same figure as `missing_in_summary` of `summary`, which a page showing the summary uses)."""
    _, _, statement = _missing(scope, as_of, group, policy, state)
    return session.execute(statement.add_columns(func.count())).scalar_one()


def missing_in_summary(table: pd.DataFrame, group: str | None = None, policy: str | None = None,
                       state: str | None = None) -> int:
    """count_missing from `summary`'s rows, without another query."""
    rows = table
    if group is not None:
        rows = rows[rows["类别"] == group]
    if policy is not None:
        rows = rows[rows["应享政策"] == policy]
    states = [state] if state else [POLICY_UNDELIVERED, POLICY_NOT_REPORTED]
    return int(rows[states].to_numpy().sum())


def missing_persons(session: Session, scope: Scope, as_of: dt.date, group: str | None = None,
                    policy: str | None = None, offset: int = 0, limit: int | None = 200,
                    state: str | None = None) -> pd.DataFrame:
    """One row per person and entitled policy 未落实 or 未报送 on `as_of` (or only `state`), by
    township, village, household; ID numbers masked."""
    entitled, reported, statement = _missing(scope, as_of, group, policy, state)
    village = aliased(Region, name="village")
    township = aliased(Region, name="township")
    rows = session.execute(
        statement.add_columns(Person.id_number, Person.name, Person.group, entitled.c.policy,
                              case((reported, POLICY_UNDELIVERED), else_=POLICY_NOT_REPORTED), Household.code,
                              township.name, village.name)
        .join(Household, Household.id == Person.household_id)
        .join(village, village.code == Person.village_code)
        .outerjoin(township, township.code == village.parent_code)
        .order_by(Person.village_code, Household.code, Person.id, entitled.c.policy)
        .offset(offset)
        .limit(limit)
    ).all()
    return pd.DataFrame(
        [(mask_id_number(r[0]), *r[1:]) for r in rows], columns=MISSING_COLUMNS
    )


EXPORT_LIMIT = 50_000


def export_missing(session: Session, scope: Scope, as_of: dt.date, region_code: str | None,
                   group: str | None = None, policy: str | None = None, state: str | None = None, *,
                   actor: permissions.Actor) -> pd.DataFrame:
    """The missing-policy list for a download (masked, at most EXPORT_LIMIT rows), recorded in the
    audit log in the same transaction."""
    permissions.check(actor, "export_lists", scope)
    frame = missing_persons(session, scope, as_of, group, policy, limit=EXPORT_LIMIT, state=state)
    audit.record(session, actor.username, "export", region_code, "政策未落实名单",
                 {"rows": len(frame), "as_of": as_of.isoformat(), "group": group, "policy": policy, "state": state})
    return frame
