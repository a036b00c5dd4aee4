"""Roll-ups of the rule's rows: the summary figures, per region, per work unit and per cadre."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from data_access import status_store
from data_access.compliance.evaluation import status_rows
from data_access.compliance.filters import (
    LaggardFilter,
    cadres_matching,
    capped,
    quiet_since,
    shortfall,
    status_conditions,
    was_reminded,
    with_signals,
)
from data_access.compliance.laggards import LaggardPage
from data_access.compliance.lookups import cadre_columns, cadre_names, reminder_counts
from data_access.compliance.rule import pairing_status, status_label
from data_access.models import (
    Cadre,
    Person,
    Region,
    Unit,
)
from data_access.policy import Policy
from data_access.scope import Scope


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
    per day at province), for series of days such as the month ends of 趋势分析; read from the figures
    kept with the stored evaluation where there are (see summary)."""
    statement = status_rows(session, scope, as_of, policy)
    stored = _stored_summary(session, scope, as_of, policy)
    if stored is not None:
        return stored.cadres, stored.cadres_on_track
    rows = statement.subquery("pairing_status")
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


# Region prefixes whose summary figures the write path keeps per stored evaluation (status_store):
# the whole database, a province, a city, a county.
ROLLUP_LENGTHS = status_store.ROLLUP_LENGTHS


def summary_figures(rows, prefix_length: int | None = None) -> Select:
    """The eleven figures of ComplianceSummary over `rows` (pairing_status rows, as a subquery), in
    its field order: per cadre first (worst status), then summed. With `prefix_length`, one row per
    region prefix of that length (the prefix first), each cadre judged on its rows inside it."""
    lagging = or_(rows.c.is_behind == 1, rows.c.is_silent == 1)
    region = func.substr(rows.c.village_code, 1, prefix_length) if prefix_length else literal("")
    per_cadre = (
        select(
            region.label("region_prefix"),
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
        .group_by(rows.c.cadre_id, *([region] if prefix_length else []))
        .subquery("per_cadre")
    )
    c = per_cadre.c
    figures = [
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
    ]
    if prefix_length is None:
        return select(*figures)
    if not prefix_length:  # the whole database: one row, zeros when there are no rows
        return select(literal("").label("region_prefix"), *figures)
    return select(c.region_prefix, *figures).group_by(c.region_prefix)


def _stored_summary(session: Session, scope: Scope, as_of: dt.date, policy: Policy) -> ComplianceSummary | None:
    """The figures the write path keeps for the stored evaluation, when `scope` is one it keeps."""
    if len(scope.prefix) not in ROLLUP_LENGTHS:
        return None
    snapshot = status_store.find(session, as_of, policy)
    if snapshot is None:
        return None
    figures = status_store.rollup(session, snapshot, scope.prefix)
    return None if figures is None else ComplianceSummary(*figures)


def summary(session: Session, scope: Scope, as_of: dt.date, policy: Policy) -> ComplianceSummary:
    """Pairing and cadre figures: per cadre first (worst status), then summed — read from the
    figures kept with the stored evaluation for the whole database, a province, city or county."""
    rows = status_rows(session, scope, as_of, policy)
    stored = _stored_summary(session, scope, as_of, policy)
    if stored is not None:
        return stored
    totals = session.execute(summary_figures(rows.subquery("pairing_status"))).one()
    return ComplianceSummary(*(int(v) for v in totals))


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
            func.sum(capped(rows.c.done_contacts, rows.c.owed_contacts)),
            func.sum(rows.c.owed_contacts),
            func.sum(capped(rows.c.done_visits, rows.c.owed_visits)),
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


def region_cadre_counts(
    session: Session, scope: Scope, as_of: dt.date, policy: Policy, code_length: int
) -> dict[str, tuple[int, int]]:
    """Per region of `code_length` digits inside scope: (cadres with a pairing there, those of them
    on track there) — region_rollup's 干部数 and 干部数 − 有滞后失联的干部; for a city or county
    (a length of ROLLUP_LENGTHS) read from the figures kept with the stored evaluation."""
    if code_length in ROLLUP_LENGTHS and code_length > len(scope.prefix):
        status_rows(session, scope, as_of, policy)  # stored first when wider than a county
        snapshot = status_store.find(session, as_of, policy)
        if snapshot is not None and status_store.rollup(session, snapshot, "") is not None:
            kept = status_store.rollups_within(snapshot, scope.prefix, code_length).subquery("kept")
            return {code: (int(n), int(on_track))
                    for code, n, on_track in session.execute(select(kept.c.region_prefix, kept.c.cadres,
                                                                    kept.c.cadres_on_track))}
    rollup = region_rollup(session, scope, as_of, policy, code_length=code_length)
    return {code: (int(n), int(n) - int(lagging))
            for code, n, lagging in zip(rollup["code"], rollup["干部数"], rollup["有滞后失联的干部"], strict=True)}


UNIT_ROLLUP_COLUMNS = ["工作单位", "干部数", "达标干部", "滞后干部", "失联干部", "干部达标率", "结对户数"]


def cadre_figures(rows, prefix_length: int | None = None) -> Select:
    """One row per cadre over `rows` (pairing_status rows, as a subquery) — with `prefix_length`,
    per cadre and region prefix of that length, each cadre judged on its rows inside it: the
    region prefix, cadre_id, pairings, is_behind and is_silent (the worst over them), on_track (1
    when neither). What the roll-up per work unit counts (unit_rollup, and the figures per unit the
    write path keeps with each stored evaluation, status_store)."""
    region = func.substr(rows.c.village_code, 1, prefix_length) if prefix_length else literal("")
    lagging = func.max(case((or_(rows.c.is_behind == 1, rows.c.is_silent == 1), 1), else_=0))
    return select(
        region.label("region_prefix"), rows.c.cadre_id, func.count().label("pairings"),
        func.max(rows.c.is_behind).label("is_behind"), func.max(rows.c.is_silent).label("is_silent"),
        (1 - lagging).label("on_track"),
    ).group_by(rows.c.cadre_id, *([region] if prefix_length else []))


def unit_rollup(
    session: Session, scope: Scope, as_of: dt.date, policy: Policy, limit: int | None = None
) -> pd.DataFrame:
    """Per work unit: its cadres with a pairing in scope, by their worst status; lowest share of
    on-track cadres first (then the larger unit). Read from the figures per unit kept with the
    stored evaluation for the whole database, a province, city or county (status_store)."""
    rows = status_rows(session, scope, as_of, policy)
    snapshot = status_store.find(session, as_of, policy) if len(scope.prefix) in ROLLUP_LENGTHS else None
    kept = status_store.unit_rollup(snapshot, scope.prefix) if snapshot is not None else None
    if kept is not None and session.scalar(status_store.units_kept(snapshot)):
        per_unit = kept.subquery("unit_figures")
    else:
        cadres = cadre_figures(rows.subquery("pairing_status")).subquery("cadre_figures")
        per_unit = (
            select(Cadre.unit_id, func.count().label("cadres"), func.sum(cadres.c.on_track).label("cadres_on_track"),
                   func.sum(cadres.c.is_behind).label("cadres_behind"),
                   func.sum(cadres.c.is_silent).label("cadres_silent"), func.sum(cadres.c.pairings).label("pairings"))
            .join(Cadre, Cadre.id == cadres.c.cadre_id)
            .group_by(Cadre.unit_id)
            .subquery("unit_figures")
        )
    u = per_unit.c
    statement = (
        select(Unit.id, Unit.name, u.cadres, u.cadres_on_track, u.cadres_behind, u.cadres_silent, u.pairings)
        .join(Unit, Unit.id == u.unit_id)
        .where(u.cadres > 0)
        .order_by(u.cadres_on_track * 1.0 / u.cadres, u.cadres.desc(), Unit.name)
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
    silent_since = quiet_since(rows)
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
            func.sum(shortfall(rows)).label("shortfall"),
            func.max(case((matching, 1), else_=0)).label("matching"),
        )
        .group_by(rows.c.cadre_id)
        .subquery("per_cadre")
    )
    conditions = status_conditions(flt.status, per_cadre.c.is_behind, per_cadre.c.is_silent)
    conditions.append(per_cadre.c.matching == 1)
    cadres = cadres_matching(flt)
    if cadres is not None:
        conditions.append(per_cadre.c.cadre_id.in_(cadres))
    if flt.reminded_only:
        conditions.append(was_reminded(per_cadre.c.cadre_id, as_of))
    if flt.signals_only:
        conditions.append(with_signals(per_cadre.c.cadre_id, scope, as_of, policy, session))
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
            **cadre_columns(names[r["cadre_id"]]),
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
