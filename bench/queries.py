"""The benchmarked queries: a plain list of (name, callable(session, scope, as_of, policy)).
Each page's engineer appends the queries their page runs, so `make bench` times them at
province and county scope on the province-scale demo."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_access import (
    bulletin,
    cases,
    compliance,
    coverage,
    needs,
    overdue,
    policy_delivery,
    rankings,
    status_store,
    supervision,
    trends,
    verification,
)
from data_access.policy import Policy
from data_access.scope import Scope
from data_access.stats import stats

Query = Callable[[Session, Scope, dt.date, Policy], object]


def pairing_status_count(session: Session, scope: Scope, as_of: dt.date, policy: Policy) -> int:
    """Every row of the compliance rule, counted (forces the whole rule to be evaluated)."""
    rows = compliance.pairing_status(scope, as_of, policy).subquery()
    return session.execute(select(func.count()).select_from(rows)).scalar_one()


def evaluate_and_store(session: Session, scope: Scope, as_of: dt.date, policy: Policy) -> None:
    """What the first viewer of a province or city page waits for after a change to households,
    pairings or contacts (or on a new day): the rule over the whole database, stored. Stored
    evaluations are deleted first; the last one made stays, for the queries timed after it."""
    status_store.clear(session.get_bind())
    compliance.store_status(session, as_of, policy)


def stored_counts(session: Session, scope: Scope, as_of: dt.date, policy: Policy) -> dict:
    """The `stats` command's counts (not scoped: the same at every scope)."""
    return stats(session, as_of)


def needs_item_detail(session: Session, scope: Scope, as_of: dt.date, policy: Policy) -> None:
    """What 诉求台账 runs when the first item of the list is opened."""
    first = needs.ledger_page(session, scope, as_of, policy, needs.LedgerFilter(), 1, 1).rows
    if len(first):
        needs.need_detail(session, scope, as_of, policy, first["诉求编号"].iloc[0], "leader")


def inspection_cadre_detail(session: Session, scope: Scope, as_of: dt.date, policy: Policy) -> None:
    """What 干部详情 runs for the first cadre found in scope."""
    found = compliance.find_cadres(session, scope, "", 1)
    if found:
        cadre_id = found[0].id
        compliance.cadre_pairings(session, scope, as_of, policy, cadre_id)
        compliance.cadre_timeline(session, scope, as_of, policy, cadre_id)
        compliance.cadre_contacts(session, scope, as_of, cadre_id)
        compliance.cadre_needs(session, scope, as_of, cadre_id)
        supervision.cadre_actions(session, scope, as_of, policy, cadre_id)


QUERIES: list[tuple[str, Query]] = [
    ("全库达标评估并存储（数据变更后首次打开）", evaluate_and_store),
    ("compliance.summary", compliance.summary),
    ("compliance.pairing_status (count)", pairing_status_count),
    ("stats", stored_counts),
    # -- inspection pages (达标督查、干部详情、提醒督办)
    ("达标督查: 滞后名单（第 1 页）", compliance.laggard_page),
    ("达标督查: 滞后名单（失联且超 120 天）", lambda s, scope, as_of, policy: compliance.laggard_page(
        s, scope, as_of, policy, compliance.LaggardFilter(status="失联", min_days_silent=120))),
    ("达标督查: 按乡镇汇总", compliance.region_rollup),
    ("达标督查: 按单位汇总", lambda s, scope, as_of, policy: compliance.unit_rollup(s, scope, as_of, policy, 300)),
    ("达标督查: 按干部汇总（第 1 页）", compliance.cadre_rollup),
    ("干部详情: 一名干部（结对、进度、联系、诉求）", inspection_cadre_detail),
    ("提醒督办: 记录（第 1 页）与各结果计数", lambda s, scope, as_of, p: supervision.action_page(s, scope, as_of, p)),
    ("提醒督办: 各单位回应率", lambda s, scope, as_of, p: supervision.unit_effect(s, scope, as_of, p)),
    ("逾期: 逾期未回应的提醒督办", lambda s, scope, as_of, p: supervision.unanswered_actions(s, scope, as_of, p)),
    # -- needs and overdue pages (诉求台账、逾期事项)
    ("诉求台账: 账龄与各层级计数", needs.level_aging),
    ("诉求台账: 清单（第 1 页）", needs.ledger_page),
    ("诉求台账: 建议上报（第 1 页）", lambda s, scope, as_of, policy: needs.ledger_page(
        s, scope, as_of, policy, needs.LedgerFilter(escalation_only=True))),
    ("诉求台账: 一件诉求详情", needs_item_detail),
    ("逾期事项: 四类计数（按乡镇、按单位）", overdue.counts),
    ("逾期事项: 四类明细（各前 200 条）", lambda s, scope, as_of, policy: overdue.rows(s, scope, as_of, policy, 200)),
    # -- leaders' pages (工作总览、覆盖情况、政策落实、趋势分析、单位排名、月通报)
    ("工作总览: 各项指标（一个日期）", coverage.snapshot),
    ("覆盖情况: 分乡镇表", lambda s, scope, as_of, policy: coverage.by_region(s, scope, None, as_of, policy)),
    ("趋势分析: 一个月末的覆盖率与达标率", lambda s, scope, as_of, policy: trends.month_end_point(
        s, scope, trends.month_ends(as_of)[-1], policy)),
    ("趋势分析: 今年各月末的覆盖率与达标率", trends.month_end_points),
    ("趋势分析: 各月联系走访", lambda s, scope, as_of, _: trends.monthly_activity(s, scope, as_of)),
    ("趋势分析: 传统节日联系（今年）", lambda s, scope, as_of, _: trends.holiday_contacts(
        s, scope, dt.date(as_of.year, 1, 1), as_of)),
    ("单位排名: 各单位达标率", rankings.units),
    ("政策落实: 各类群体落实情况", lambda s, scope, as_of, _: policy_delivery.summary(s, scope, as_of)),
    ("月通报: 上月全部数字", lambda s, scope, as_of, policy: bulletin.figures(
        s, scope, None, (as_of.replace(day=1) - dt.timedelta(days=1)).year,
        (as_of.replace(day=1) - dt.timedelta(days=1)).month, policy, as_of)),
    # -- publicity pages (典型案例)
    ("案例挖掘: 候选排序（第 1 页）", cases.candidates),
    # -- data pages (数据核查)
    ("数据核查: 各项计数", verification.counts),
]
