"""Coverage of the three groups: who is in the register on a day, who has an active pairing, the
headline snapshot of a region on a day (home page and bulletin), and the same one level down
(townships of a county, villages of a township)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from data_access import compliance, daily_counts, gap_store, needs, regions
from data_access.compliance import ComplianceSummary, active_on
from data_access.models import Contact, Household, Need, Pairing, Person
from data_access.needs import NeedsSummary
from data_access.policy import Policy
from data_access.scope import Scope, region_prefix
from data_access.sorting import Sort
from data_access.vocabulary import GROUPS, PERSON_ACTIVE


def in_register(as_of: dt.date):
    """SQL: the person is in the register on `as_of` (not exited on or before it)."""
    return or_(Person.status == PERSON_ACTIVE, Person.exit_date.is_(None), Person.exit_date > as_of)


def household_paired(as_of: dt.date):
    """SQL: the person's household has a pairing active on `as_of`."""
    return exists().where(Pairing.household_id == Person.household_id, active_on(as_of))


@dataclass(frozen=True)
class GroupCoverage:
    group: str
    persons: int
    households: int
    paired_persons: int

    @property
    def coverage(self) -> float | None:
        return self.paired_persons / self.persons if self.persons else None


@dataclass(frozen=True)
class Headline:
    groups: tuple[GroupCoverage, ...]
    households: int  # distinct households in the register (a household may span two groups)
    cadres_paired: int
    gifts_yuan: float

    @property
    def persons(self) -> int:
        return sum(g.persons for g in self.groups)

    @property
    def paired_persons(self) -> int:
        return sum(g.paired_persons for g in self.groups)

    @property
    def coverage(self) -> float | None:
        return self.paired_persons / self.persons if self.persons else None


def headline(session: Session, scope: Scope, as_of: dt.date, live: bool = False, cadres: int | None = None
             ) -> Headline:
    """Persons, households and paired persons per group, households, cadres with an active pairing
    and the year's gifts in `scope` on `as_of`: the register and the gifts from the tables kept per
    county (daily_counts) for a county or wider, else (or `live`) from the records. `cadres`: the
    cadres with an active pairing when the caller has them (compliance.summary's count of cadres
    over the day's pairing_status rows, which are the pairings active that day in scope)."""
    scope = compliance.effective_scope(session, scope)  # the province of a province database: no filter
    if cadres is None:
        cadres = session.execute(
            select(func.count(func.distinct(Pairing.cadre_id)))
            .join(Household, Household.id == Pairing.household_id)
            .where(active_on(as_of), scope.within(Household.village_code))
        ).scalar_one()
    if daily_counts.usable(scope, session) and not live:
        found = daily_counts.register_by_group(session, scope, as_of)
        by_group = {g: GroupCoverage(g, *found[("", g)]) for g in GROUPS if ("", g) in found}
        return Headline(
            groups=tuple(by_group.get(g, GroupCoverage(g, 0, 0, 0)) for g in GROUPS),
            households=found.get(("", daily_counts.ANY_GROUP), (0, 0, 0))[1],
            cadres_paired=cadres,
            gifts_yuan=float(daily_counts.contact_totals(session, scope, dt.date(as_of.year, 1, 1), as_of)[2]),
        )
    paired = household_paired(as_of)
    rows = session.execute(
        select(
            Person.group,
            func.count(),
            func.count(func.distinct(Person.household_id)),
            func.sum(case((paired, 1), else_=0)),
        )
        .where(in_register(as_of), scope.within(Person.village_code))
        .group_by(Person.group)
    ).all()
    by_group = {row[0]: GroupCoverage(row[0], row[1], row[2], int(row[3] or 0)) for row in rows}
    households = session.execute(
        select(func.count(func.distinct(Person.household_id))).where(
            in_register(as_of), scope.within(Person.village_code)
        )
    ).scalar_one()
    gifts = session.execute(
        select(func.coalesce(func.sum(Contact.gift_yuan), 0)).where(
            and_(Contact.contact_date >= dt.date(as_of.year, 1, 1), Contact.contact_date <= as_of),
            compliance.in_scope_pairing(scope, Contact.pairing_id),
        )
    ).scalar_one()
    return Headline(
        groups=tuple(by_group.get(g, GroupCoverage(g, 0, 0, 0)) for g in GROUPS),
        households=households,
        cadres_paired=cadres,
        gifts_yuan=float(gifts),
    )


# -- snapshots: every headline figure of one region on one day ---------------------------------


@dataclass(frozen=True)
class Snapshot:
    """The home page's and the bulletin's figures for a region on a day (one definition)."""

    as_of: dt.date
    head: Headline
    compliance: ComplianceSummary
    needs: NeedsSummary


def snapshot(session: Session, scope: Scope, as_of: dt.date, policy: Policy) -> Snapshot:
    scope = compliance.effective_scope(session, scope)
    figures = compliance.summary(session, scope, as_of, policy)
    return Snapshot(
        as_of=as_of,
        head=headline(session, scope, as_of, cadres=figures.cadres),
        compliance=figures,
        needs=needs.summary(session, scope, as_of),
    )


def previous_month_end(day: dt.date) -> dt.date:
    """The last day of the month before `day`'s month: what the deltas on the cards compare with."""
    return day.replace(day=1) - dt.timedelta(days=1)


# -- coverage one level down from the chosen region -------------------------------------------


def top_regions(session: Session, scope: Scope) -> list[regions.RegionRow]:
    """The outermost regions of `scope` (usually one: the user's own region). A city (621200) and
    its counties (621225) have codes of one length, so only regions not inside another are kept."""
    roots = regions.root_for(session, scope)
    return [r for r in roots if not any(
        o.code != r.code and region_prefix(r.code).startswith(region_prefix(o.code)) for o in roots)]


def breakdown_regions(session: Session, scope: Scope, region_code: str | None) -> list[regions.RegionRow]:
    """The rows of the by-region table: the children of the chosen region (townships of a county,
    villages of a township), or of the user's own region when none is chosen. A level with a
    single region (a province database holding one city) is passed through to the one below."""
    if region_code:
        rows = regions.children(session, region_code)
    else:
        roots = top_regions(session, scope)
        rows = regions.children(session, roots[0].code) if len(roots) == 1 else roots
    while len(rows) == 1 and rows[0].level != "village":
        below = regions.children(session, rows[0].code)
        if not below:
            break
        rows = below
    return rows


def _by_prefix(session: Session, rows: list[regions.RegionRow], statement_for) -> dict[str, list[tuple]]:
    """Run `statement_for(key)` once per code length among `rows`, where `key(column)` is the SQL
    prefix of a region-code column of that length (the code of the row region it lies in);
    return {prefix: [remaining columns of each result row]} for the prefixes of `rows`."""
    wanted = {region_prefix(r.code) for r in rows}
    found: dict[str, list[tuple]] = {}
    for length in sorted({len(p) for p in wanted}):
        for row in session.execute(statement_for(lambda column, n=length: func.substr(column, 1, n))).all():
            if row[0] in wanted:
                found.setdefault(row[0], []).append(tuple(row[1:]))
    return found


REGION_COLUMNS = [
    "代码", "地区", *GROUPS, "在册人数", "在册户数", "已结对人数", "覆盖率", "未结对人数",
    "结对干部", "达标干部", "达标率", "逾期诉求",
]

# The 排序 choices of the 覆盖情况 table (sorting.sort_frame), worst first by default.
SORTS = (
    Sort("覆盖率由低到高（再按干部达标率）", (("覆盖率", False), ("达标率", False), ("地区", False))),
    Sort("干部达标率由低到高", (("达标率", False), ("覆盖率", False), ("地区", False))),
    Sort("未结对人数由多到少", (("未结对人数", True), ("覆盖率", False), ("地区", False))),
    Sort("逾期诉求由多到少", (("逾期诉求", True), ("覆盖率", False), ("地区", False))),
    Sort("在册人数由多到少", (("在册人数", True), ("地区", False))),
)


def by_region(
    session: Session, scope: Scope, region_code: str | None, as_of: dt.date, policy: Policy
) -> pd.DataFrame:
    """One row per region one level down from the chosen region, with the four groups side by side,
    coverage, cadres on track (compliance.region_rollup: a cadre is on track there when none of
    their pairings there is behind or silent) and needs overdue on `as_of`. Shares are fractions
    (None when 0/0)."""
    rows = breakdown_regions(session, scope, region_code)
    if not rows:
        return pd.DataFrame(columns=REGION_COLUMNS)
    scope = compliance.effective_scope(session, scope)  # for the data rows (the regions are listed above)
    paired = household_paired(as_of)

    def persons(key):
        k = key(Person.village_code)
        return (
            select(k, Person.group, func.count(), func.count(func.distinct(Person.household_id)),
                   func.sum(case((paired, 1), else_=0)))
            .where(in_register(as_of), scope.within(Person.village_code))
            .group_by(k, Person.group)
        )

    def households(key):
        k = key(Person.village_code)
        return (
            select(k, func.count(func.distinct(Person.household_id)))
            .where(in_register(as_of), scope.within(Person.village_code))
            .group_by(k)
        )

    def overdue(key):
        k = key(Household.village_code)
        return (
            select(k, func.count())
            .select_from(Need)
            .join(Household, Household.id == Need.household_id)
            .where(needs.overdue_on(as_of), scope.within(Household.village_code))
            .group_by(k)
        )

    if daily_counts.usable(scope, session) and all(daily_counts.usable(Scope(region_prefix(r.code))) for r in rows):
        # cities or counties: from the register changes kept per county
        person_rows, household_rows = {}, {}
        wanted = {region_prefix(r.code) for r in rows}
        for length in sorted({len(p) for p in wanted}):
            for (prefix, group), (n, h, p) in daily_counts.register_by_group(session, scope, as_of, length).items():
                if prefix not in wanted:
                    continue
                if group == daily_counts.ANY_GROUP:
                    household_rows[prefix] = [(h,)]
                else:
                    person_rows.setdefault(prefix, []).append((group, n, h, p))
    else:
        person_rows = _by_prefix(session, rows, persons)
        household_rows = _by_prefix(session, rows, households)
    cadre_rows: dict[str, tuple[int, int]] = {}
    for length in sorted({len(region_prefix(r.code)) for r in rows}):
        cadre_rows.update(compliance.region_cadre_counts(session, scope, as_of, policy, length))
    if gap_store.usable(session, as_of, policy):  # kept by the write path
        overdue_rows = {}
        wanted = {region_prefix(r.code) for r in rows}
        for length in sorted({len(p) for p in wanted}):
            for prefix, _unit, n in gap_store.counts(session, gap_store.KIND_NEEDS, scope, as_of, length,
                                                          by_unit=False):
                if prefix in wanted:
                    overdue_rows[prefix] = [(overdue_rows.get(prefix, [(0,)])[0][0] + n,)]
    else:
        overdue_rows = _by_prefix(session, rows, overdue)
    records = []
    for region in rows:
        key = region_prefix(region.code)
        per_group = {g: (n, h, int(p or 0)) for g, n, h, p in person_rows.get(key, ())}
        total = sum(v[0] for v in per_group.values())
        paired_n = sum(v[2] for v in per_group.values())
        n_households = household_rows.get(key, [(0,)])[0][0]
        n_cadres, n_on_track = cadre_rows.get(key, (0, 0))
        records.append(
            [region.code, region.name, *(per_group.get(g, (0, 0, 0))[0] for g in GROUPS), total, n_households,
             paired_n, paired_n / total if total else None, total - paired_n, n_cadres, int(n_on_track or 0),
             int(n_on_track or 0) / n_cadres if n_cadres else None,
             overdue_rows.get(key, [(0,)])[0][0]]
        )
    return pd.DataFrame(records, columns=REGION_COLUMNS)
