"""The one 逾期 view: everything past its date in a region, counted per township and per work unit,
with the rows behind the counts and one workbook export.

Four kinds, each defined once in its own module and only gathered here:
- 逾期诉求: needs overdue on D (needs.overdue_query, RULES.md);
- 认门逾期: first home visits not made within `first_visit_days` (compliance.first_visits_overdue, or
  the same column of a stored evaluation, compliance.status_rows);
- 提醒督办未回应: reminders/督办 unanswered past their deadline (supervision.actions_query);
- 结对断档: pairings ended with no successor after `successor_gap_days` (gaps.ended_without_successor_query).

Counts are grouped in the database; rows are limited for the page and complete in the export.
A need is counted under the unit of the cadre answering for it; the other kinds under the unit of
the cadre of the pairing (for 结对断档, the former cadre).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_access import audit, compliance, gap_store, gaps, needs, sorting, supervision
from data_access.exporting import ExportStamp, to_xlsx_bytes
from data_access.joins import Places
from data_access.models import ActionResponse, Cadre, Household, Region, Unit
from data_access.permissions import Actor, check
from data_access.policy import Policy
from data_access.scope import Scope
from data_access.sorting import Sort

KIND_NEEDS = "逾期诉求"
KIND_FIRST_VISITS = "认门逾期"
KIND_UNANSWERED = "提醒督办未回应"
KIND_NO_SUCCESSOR = "结对断档"
KINDS = (KIND_NEEDS, KIND_FIRST_VISITS, KIND_UNANSWERED, KIND_NO_SUCCESSOR)
TOTAL = "合计"
NO_UNIT = "（未关联结对干部）"

# The column a row is linked to its detail by: the need, the cadre, or the household.
# The kinds gap_store keeps per day (same names there).
STORED_KINDS = (KIND_NEEDS, KIND_NO_SUCCESSOR)
assert all(kind in gap_store.KINDS for kind in STORED_KINDS)

LINK_COLUMNS = {KIND_NEEDS: "诉求编号", KIND_FIRST_VISITS: "干部编号", KIND_UNANSWERED: "干部编号",
                KIND_NO_SUCCESSOR: "户编号"}


def _first_visit_query(session: Session, scope: Scope, as_of: dt.date, policy: Policy):
    status = compliance.first_visit_rows(session, scope, as_of, policy).subquery("first_visits")
    place = Places()
    return place.join(
        select(
            status.c.pairing_id, Household.code.label("household_code"), status.c.village_code,
            place.township_name.label("township"),
            place.village_name.label("village"), Cadre.code.label("cadre_code"), Cadre.name.label("cadre_name"),
            Unit.id.label("unit_id"), Unit.name.label("unit_name"), status.c.start_date,
        )
        .join(Household, Household.id == status.c.household_id)
        .join(Cadre, Cadre.id == status.c.cadre_id)
        .join(Unit, Unit.id == Cadre.unit_id),
        status.c.village_code,
    ).subquery("first_visits_overdue")


def _unanswered_query(scope: Scope, as_of: dt.date, policy: Policy):
    actions = supervision.actions_query(scope, as_of, policy, supervision.UNANSWERED).subquery("unanswered_actions")
    return (
        select(actions.c.action_id, Household.village_code, actions.c.unit_id, actions.c.unit_name)
        .join(Household, Household.code == actions.c.household_code)
        .subquery("unanswered")
    )


def _needs_query(scope: Scope, as_of: dt.date, only=None):
    rows = needs.overdue_query(scope, as_of, only)
    return (
        select(*rows.c, Cadre.code.label("cadre_code"), Cadre.name.label("cadre_name"), Unit.id.label("unit_id"),
               Unit.name.label("unit_name"))
        .select_from(rows)
        .outerjoin(Cadre, Cadre.id == rows.c.cadre_id)
        .outerjoin(Unit, Unit.id == Cadre.unit_id)
        .subquery("needs_with_unit")
    )


def _kind_queries(session: Session, scope: Scope, as_of: dt.date, policy: Policy):
    return {
        KIND_NEEDS: _needs_query(scope, as_of),
        KIND_FIRST_VISITS: _first_visit_query(session, scope, as_of, policy),
        KIND_UNANSWERED: _unanswered_query(scope, as_of, policy),
        KIND_NO_SUCCESSOR: gaps.ended_without_successor_query(scope, as_of, policy),
    }


@dataclass(frozen=True)
class OverdueCounts:
    totals: dict[str, int]  # kind → count
    area: str  # what by_region counts per: 乡镇, or 村 when the scope is one township or village
    by_region: pd.DataFrame  # the parent's name (县区 or 乡镇), `area`, one column per kind, 合计 (largest first)
    by_unit: pd.DataFrame  # 工作单位, one column per kind, 合计 (largest first)

    @property
    def total(self) -> int:
        return sum(self.totals.values())


def counts(session: Session, scope: Scope, as_of: dt.date, policy: Policy) -> OverdueCounts:
    """How many of each kind on D, per township (per village inside one township) and per work
    unit, grouped in the database. Every kind reads only rows of households (needs, pairings,
    actions on pairings): a scope holding all of them reads them unfiltered."""
    length, area, parent = (12, "村", "乡镇") if len(scope.prefix) >= 9 else (9, "乡镇", "县区")
    grouped = []
    scope = compliance.effective_scope(session, scope)
    kept = gap_store.usable(session, as_of, policy)
    for kind, rows in _kind_queries(session, scope, as_of, policy).items():
        if kind == KIND_UNANSWERED and supervision.responses_valid(session, policy):
            grouped += _stored_unanswered(session, scope, as_of, length)  # kept by the write path
            continue
        if kind in STORED_KINDS and kept:  # kept by the write path (gap_store)
            grouped += [(kind, code, unit or NO_UNIT, n)
                        for code, unit, n in gap_store.counts(session, kind, scope, as_of, length)]
            continue
        if kind == KIND_FIRST_VISITS:  # the pairings themselves and their cadre's unit: no household or places
            rows = _first_visit_units(session, scope, as_of, policy)
        place = func.substr(rows.c.village_code, 1, length)
        statement = select(place, rows.c.unit_name, func.count()).group_by(place, rows.c.unit_name)
        grouped += [(kind, code, unit or NO_UNIT, n) for code, unit, n in session.execute(statement)]
    frame = pd.DataFrame(grouped, columns=["kind", "place", "unit", "n"])
    totals = {kind: int(frame.loc[frame["kind"] == kind, "n"].sum()) for kind in KINDS}
    by_region = _pivot(frame, "place")
    names = _names_with_parent(session, list(by_region.index))
    by_region.insert(0, area, [names.get(code, (code, ""))[0] for code in by_region.index])
    by_region.insert(0, parent, [names.get(code, ("", ""))[1] for code in by_region.index])
    by_unit = _pivot(frame, "unit").rename_axis("工作单位").reset_index()
    return OverdueCounts(totals, area, by_region.reset_index(drop=True), by_unit)


def totals(session: Session, scope: Scope, as_of: dt.date, policy: Policy) -> dict[str, int]:
    """kind -> how many on D: `counts`' totals without grouping (the week-on-week change)."""
    scope = compliance.effective_scope(session, scope)
    kept = gap_store.usable(session, as_of, policy)
    found = {}
    for kind, rows in _kind_queries(session, scope, as_of, policy).items():
        if kind == KIND_UNANSWERED and supervision.responses_valid(session, policy):
            stored = ActionResponse.__table__
            found[kind] = sum(int(n) for _outcome, n in supervision.stored_counts(
                session, scope, as_of, lambda rows: [], supervision.stored_outcome(stored, as_of) == supervision.UNANSWERED))
        elif kind in STORED_KINDS and kept:
            found[kind] = gap_store.count(session, kind, scope, as_of)
        else:
            if kind == KIND_FIRST_VISITS:  # the pairings themselves (a stored day's by its partial index)
                rows = compliance.first_visit_rows(session, scope, as_of, policy).subquery("first_visits")
            found[kind] = int(session.scalar(select(func.count()).select_from(rows)) or 0)
    return found


def _first_visit_units(session: Session, scope: Scope, as_of: dt.date, policy: Policy):
    """The 认门逾期 pairings (compliance.first_visit_rows) with their cadre's unit: village_code,
    unit_name. The same rows as _first_visit_query's (its joins to the household, cadre, unit and
    village follow non-null foreign keys), without the names a count does not read."""
    status = compliance.first_visit_rows(session, scope, as_of, policy).subquery("first_visits")
    return (select(status.c.village_code, Unit.name.label("unit_name"))
            .join(Cadre, Cadre.id == status.c.cadre_id).join(Unit, Unit.id == Cadre.unit_id)
            .subquery("first_visit_units"))


def _stored_unanswered(session: Session, scope: Scope, as_of: dt.date, length: int) -> list[tuple]:
    """(kind, place, unit name, count) of the unanswered reminders, from the dates the write path
    keeps (supervision.stored_counts): the same actions as _unanswered_query's."""
    found = supervision.stored_counts(session, scope, as_of,
                                      lambda rows: [func.substr(rows.c.village_code, 1, length), rows.c.unit_id],
                                      supervision.stored_outcome(ActionResponse.__table__, as_of) == supervision.UNANSWERED)
    found = [(place, unit_id, n) for place, unit_id, outcome, n in found if outcome == supervision.UNANSWERED]
    units = {u for _, u, _ in found}
    # every unit's name (6 thousand at province) rather than an IN list of thousands of ids
    names = dict(session.execute(select(Unit.id, Unit.name) if len(units) > 500
                                 else select(Unit.id, Unit.name).where(Unit.id.in_(units))).all())
    return [(KIND_UNANSWERED, place, names[unit_id], int(n)) for place, unit_id, n in found]


def _pivot(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    table = frame.groupby([by, "kind"])["n"].sum().unstack(fill_value=0)
    table = table.reindex(columns=list(KINDS), fill_value=0).astype(int)
    table[TOTAL] = table.sum(axis=1)
    table.columns.name = None
    return table.sort_values([TOTAL, *KINDS], ascending=False, kind="stable")


def _names_with_parent(session: Session, codes: list[str]) -> dict[str, tuple[str, str]]:
    """region code → (its name, its parent's name)."""
    if not codes:
        return {}
    parent = Region.__table__.alias("parent")
    rows = session.execute(
        select(Region.code, Region.name, parent.c.name)
        .outerjoin(parent, parent.c.code == Region.parent_code)
        .where(Region.code.in_(codes))
    )
    return {code: (name, parent_name or "") for code, name, parent_name in rows}


NEEDS_COLUMNS = ["诉求编号", "逾期天数", "乡镇", "村", "类别", "内容", "责任层级", "干部姓名", "工作单位", "办理期限",
                 "提出日期", "户编号", "干部编号"]
FIRST_VISIT_COLUMNS = ["户编号", "乡镇", "村", "干部编号", "干部姓名", "工作单位", "结对日期", "认门期限", "已结对天数"]


# The 排序 choices of the four lists, ordered in their queries (the default: longest overdue first).
SORTS = (Sort("逾期最久的在前"), Sort(sorting.BY_PLACE), Sort(sorting.BY_UNIT))


def needs_rows(session: Session, scope: Scope, as_of: dt.date, limit: int | None = None,
               order: str = "", policy: Policy | None = None) -> pd.DataFrame:
    """Overdue needs with the cadre and unit answering for them, longest overdue first (the first
    rows drawn from the ids gap_store keeps when its day is valid for `policy`)."""
    only = None
    if limit is not None and sorting.worst_first(order) and policy is not None and gap_store.usable(session, as_of, policy):
        only = gap_store.first_ids(session, gap_store.KIND_NEEDS, scope, as_of, limit)
    rows = _needs_query(scope, as_of, only)
    result = session.execute(
        select(rows.c.code, rows.c.due_date, rows.c.township, rows.c.village, rows.c.category, rows.c.content,
               rows.c.level, rows.c.cadre_name, rows.c.unit_name, rows.c.due_date, rows.c.raised_date,
               rows.c.household_code, rows.c.cadre_code)
        .order_by(*sorting.list_order(rows, order, (rows.c.due_date, rows.c.code)))
        .limit(limit)
    )
    frame = pd.DataFrame([tuple(r) for r in result], columns=NEEDS_COLUMNS)
    frame["逾期天数"] = [(as_of - due).days for due in frame["办理期限"]] if len(frame) else []
    return frame


def first_visit_rows(session: Session, scope: Scope, as_of: dt.date, policy: Policy,
                     limit: int | None = None, order: str = "") -> pd.DataFrame:
    """Active pairings whose first home visit (认门) is overdue, oldest pairing first."""
    rows = _first_visit_query(session, scope, as_of, policy)
    result = session.execute(
        select(rows.c.household_code, rows.c.township, rows.c.village, rows.c.cadre_code, rows.c.cadre_name,
               rows.c.unit_name, rows.c.start_date)
        .order_by(*sorting.list_order(rows, order, (rows.c.start_date, rows.c.pairing_id)))
        .limit(limit)
    )
    frame = pd.DataFrame([tuple(r) for r in result], columns=FIRST_VISIT_COLUMNS[:-2])
    starts = list(frame["结对日期"])
    frame["认门期限"] = [start + dt.timedelta(days=policy.first_visit_days) for start in starts]
    frame["已结对天数"] = [(as_of - start).days for start in starts]
    return frame


def rows(session: Session, scope: Scope, as_of: dt.date, policy: Policy, limit: int | None = None,
         order: str = "") -> dict[str, pd.DataFrame]:
    """kind → its rows (at most `limit` each) in the SORTS order named `order`, each with the
    LINK_COLUMNS column to open its detail."""
    scope = compliance.effective_scope(session, scope)  # every kind reads only rows of households
    return {
        KIND_NEEDS: needs_rows(session, scope, as_of, limit, order, policy),
        KIND_FIRST_VISITS: first_visit_rows(session, scope, as_of, policy, limit, order),
        KIND_UNANSWERED: supervision.unanswered_actions(session, scope, as_of, policy, limit, order=order),
        KIND_NO_SUCCESSOR: gaps.ended_without_successor(session, scope, as_of, policy, limit, order=order),
    }


@dataclass(frozen=True)
class OverdueView:
    counts: OverdueCounts
    rows: dict[str, pd.DataFrame]
    limit: int


def view(session: Session, scope: Scope, as_of: dt.date, policy: Policy, limit: int = 200) -> OverdueView:
    """What the 逾期事项 page shows: the counts and the first `limit` rows of each kind."""
    return OverdueView(counts(session, scope, as_of, policy), rows(session, scope, as_of, policy, limit), limit)


def export_workbook(session: Session, scope: Scope, as_of: dt.date, policy: Policy, region_code: str | None,
                    region_name: str, *, actor: Actor) -> bytes:
    """The whole view as one workbook (summaries per township and unit, then one sheet per kind with
    every row), stamped and recorded in the audit log."""
    check(actor, "export_lists", scope)
    username = actor.username
    tally = counts(session, scope, as_of, policy)
    sheets = {
        f"按{tally.area}汇总": tally.by_region,
        "按单位汇总": tally.by_unit,
        **rows(session, scope, as_of, policy, limit=None),
    }
    stamp = ExportStamp(username, f"逾期事项（截至 {as_of}）", region_name, dt.datetime.now())
    data = to_xlsx_bytes(sheets, stamp)
    audit.record(session, username, "export", region_code, "逾期事项",
                 {"截至": as_of, "行数": {kind: len(sheets[kind]) for kind in KINDS}})
    return data
