"""The inspectors' laggard list: behind or silent pairings, filtered, worst first, paged."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from data_access.compliance.evaluation import status_rows
from data_access.compliance.filters import (
    LaggardFilter,
    cadres_matching,
    quiet_since,
    shortfall,
    status_conditions,
    was_reminded,
    with_signals,
)
from data_access.compliance.lookups import (
    cadre_columns,
    cadre_names,
    household_groups,
    household_places,
    reminder_counts,
)
from data_access.compliance.rule import status_label
from data_access.models import (
    Person,
)
from data_access.policy import Policy
from data_access.scope import Scope
from data_access.sorting import Sort, pick

# The 排序 choices of the laggard list, ordered in the query that pages it (the default: worst first).
LAGGARD_SORTS = (
    Sort("按严重程度（最严重的在前）"),  # 滞后、失联 first, then the largest shortfall, the longest silence
    Sort("未联系天数由长到短"),
    Sort("欠缺次数由多到少"),
    Sort("同一干部的结对排在一起"),
)


def _laggards(session: Session, scope: Scope, as_of: dt.date, policy: Policy, flt: LaggardFilter) -> Select:
    """Behind or silent pairings active on `as_of`, filtered, worst first: both before silent before
    behind, then the largest shortfall, then the longest silence.

    Names (cadre, unit, household, village) are not joined here but looked up for the rows shown:
    joined after the grouped rule, PostgreSQL misjudges the row count and loops over whole tables."""
    rows = status_rows(session, scope, as_of, policy).subquery("pairing_status")
    silent_since = quiet_since(rows)
    conditions = status_conditions(flt.status, rows.c.is_behind, rows.c.is_silent)
    cadres = cadres_matching(flt)
    if cadres is not None:
        conditions.append(rows.c.cadre_id.in_(cadres))
    if flt.group:
        conditions.append(
            select(Person.id).where(Person.household_id == rows.c.household_id, Person.group == flt.group).exists()
        )
    if flt.min_days_silent is not None:
        conditions.append(silent_since < as_of - dt.timedelta(days=flt.min_days_silent))
    if flt.reminded_only:
        conditions.append(was_reminded(rows.c.cadre_id, as_of))
    if flt.signals_only:
        conditions.append(with_signals(rows.c.cadre_id, scope, as_of, policy, session))
    worst = ((rows.c.is_behind + 2 * rows.c.is_silent).desc(), shortfall(rows).desc(), silent_since)
    order = pick(LAGGARD_SORTS, flt.order).label
    if order == LAGGARD_SORTS[1].label:  # longest without contact first
        keys = (silent_since, *worst)
    elif order == LAGGARD_SORTS[2].label:  # largest shortfall first
        keys = (shortfall(rows).desc(), *worst)
    elif order == LAGGARD_SORTS[3].label:  # a cadre's pairings together, the cadre's worst first
        keys = (rows.c.cadre_id, *worst)
    else:
        keys = worst
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
        .order_by(*keys, rows.c.cadre_id, rows.c.pairing_id)
    )


LAGGARD_COLUMNS = [
    "状态", "干部姓名", "干部编号", "职级", "工作单位", "干部电话", "户编号", "乡镇", "村", "类别",
    "已联系", "应联系", "已走访", "应走访", "最近联系日期", "未联系天数", "认门", "本年提醒",
]


# The export keeps every column the page shows, in the page's order (issue 19).
LAGGARDS_EXPORT_COLUMNS = LAGGARD_COLUMNS


@dataclass(frozen=True)
class LaggardPage:
    total: int  # laggard pairings matching the filter
    rows: pd.DataFrame  # LAGGARD_COLUMNS, plus pairing_id and cadre_id for selecting rows


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
            **cadre_columns(cadres[r["cadre_id"]]),
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
