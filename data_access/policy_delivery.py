"""Policy delivery (政策落实): for each group the entitled policies of DOMAIN.md
(vocabulary.ENTITLED_POLICIES), how many persons in the register have each delivered on a day,
and the masked list of persons still missing one, for handing to the responsible department.

A policy counts as delivered on D when its row says delivered and its delivery date (if any) is
on or before D. A person with no row for an entitled policy is missing it.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import and_, exists, func, literal, not_, or_, select, union_all
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm import join as orm_join

from data_access import audit
from data_access.compliance import effective_scope
from data_access.coverage import in_register
from data_access.joins import outer_first
from data_access.masking import mask_id_number
from data_access.models import Household, Person, PolicyDelivery, Region
from data_access.scope import Scope
from data_access.vocabulary import ENTITLED_POLICIES, GROUPS

SUMMARY_COLUMNS = ["类别", "应享政策", "在册人数", "已落实人数", "未落实人数", "落实率"]
MISSING_COLUMNS = ["身份证号", "姓名", "类别", "未落实政策", "户编号", "乡镇", "村"]


def delivered_on(as_of: dt.date):
    return and_(
        PolicyDelivery.delivered.is_(True),
        or_(PolicyDelivery.delivered_date.is_(None), PolicyDelivery.delivered_date <= as_of),
    )


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
    delivered = {
        (group, policy): n
        for group, policy, n in session.execute(
            # One row per person and policy (uq_policy_person): counting rows counts persons.
            select(Person.group, PolicyDelivery.policy, func.count())
            # For the province, the deliveries in table order (most persons are read anyway).
            .select_from(outer_first(PolicyDelivery, Person, PolicyDelivery.person_id == Person.id)
                         if scope.province_wide else orm_join(Person, PolicyDelivery, PolicyDelivery.person_id == Person.id))
            .where(in_register(as_of), scope.within(Person.village_code), delivered_on(as_of))
            .group_by(Person.group, PolicyDelivery.policy)
        ).all()
    }
    records = []
    for group in GROUPS:
        total = persons.get(group, 0)
        for policy in ENTITLED_POLICIES[group]:
            done = delivered.get((group, policy), 0)
            records.append((group, policy, total, done, total - done, done / total if total else None))
    return pd.DataFrame(records, columns=SUMMARY_COLUMNS)


def _entitlements(group: str | None, policy: str | None):
    """A small derived table (group, policy) of the entitlements asked for."""
    pairs = [(g, p) for g in GROUPS for p in ENTITLED_POLICIES[g]
             if (group is None or g == group) and (policy is None or p == policy)]
    if not pairs:
        pairs = [("", "")]  # nothing entitled: a row that matches no person
    return union_all(
        *(select(literal(g).label("group_name"), literal(p).label("policy")) for g, p in pairs)
    ).subquery("entitled")


def _missing(scope: Scope, as_of: dt.date, group: str | None, policy: str | None):
    entitled = _entitlements(group, policy)
    delivered = exists().where(
        PolicyDelivery.person_id == Person.id, PolicyDelivery.policy == entitled.c.policy, delivered_on(as_of)
    )
    # Persons first, each with its group's few entitlements: the other way round SQLite scanned
    # every person once per entitlement, and could not walk persons in village order for a page.
    return entitled, (
        select()
        .select_from(outer_first(Person, entitled, entitled.c.group_name == Person.group))
        .where(in_register(as_of), scope.within(Person.village_code), not_(delivered))
    )


def count_missing(session: Session, scope: Scope, as_of: dt.date, group: str | None = None,
                  policy: str | None = None) -> int:
    """How many (person, entitled policy) pairs are not delivered on `as_of` (the same figure as
    `missing_in_summary` of `summary`, which a page that shows the summary uses instead)."""
    _, statement = _missing(scope, as_of, group, policy)
    return session.execute(statement.add_columns(func.count())).scalar_one()


def missing_in_summary(table: pd.DataFrame, group: str | None = None, policy: str | None = None) -> int:
    """count_missing from `summary`'s rows, without another query: each (person, entitled policy)
    pair not delivered is one 未落实人数 of its (group, policy) row."""
    rows = table
    if group is not None:
        rows = rows[rows["类别"] == group]
    if policy is not None:
        rows = rows[rows["应享政策"] == policy]
    return int(rows["未落实人数"].sum())


def missing_persons(session: Session, scope: Scope, as_of: dt.date, group: str | None = None,
                    policy: str | None = None, offset: int = 0, limit: int | None = 200) -> pd.DataFrame:
    """One row per person and entitled policy not delivered on `as_of`, by township, village,
    household; ID numbers masked."""
    entitled, statement = _missing(scope, as_of, group, policy)
    village = aliased(Region, name="village")
    township = aliased(Region, name="township")
    rows = session.execute(
        statement.add_columns(Person.id_number, Person.name, Person.group, entitled.c.policy, Household.code,
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


def export_missing(session: Session, scope: Scope, as_of: dt.date, username: str, region_code: str | None,
                   group: str | None = None, policy: str | None = None) -> pd.DataFrame:
    """The missing-policy list for a download (masked, at most EXPORT_LIMIT rows), recorded in the
    audit log in the same transaction."""
    frame = missing_persons(session, scope, as_of, group, policy, limit=EXPORT_LIMIT)
    audit.record(session, username, "export", region_code, "政策未落实名单",
                 {"rows": len(frame), "as_of": as_of.isoformat(), "group": group, "policy": policy})
    return frame
