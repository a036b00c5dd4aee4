"""我的待办 (my work): one place with the open items of the logged-in user, in the region shown.

Each section is what one permission makes the user answer for, gathered from the module that
defines it (nothing is re-defined here):
- 我发出的提醒督办 (issue_reminders): batches the user issued (supervision.issued_by) with actions
  pending and due by the end of this week, or unanswered past their deadline (supervision's outcomes);
- 本地区待回应的提醒督办 (record_contacts, for those who do not issue them: the township clerk who
  records the cadres' contacts): per cadre, the same two outcomes in the region;
- 本级逾期诉求 (edit_needs): needs overdue on D (needs.overdue_query) whose level on D is the one the
  account answers at (needs.level_answered_by);
- 待审核、待发布的案例 (approve_cases): cases consented (to approve) or approved (to publish);
- 待推进的案例 (manage_cases): candidates to vet and shortlisted cases awaiting consent;
- 我的回访任务 (manage_return_visits): the user's open 回访 tasks (return_visits.tasks);
- 建议问责的督办 (record_accountability): unanswered 督办 with the next step proposed
  (accountability.proposals) — those the user issued, or for a user who issues none (a leader),
  all in the region.

Every item names the page and the URL parameters (?cadre=, ?need=, ?case=, ?batch=, ?task=) that
open its record, so a link works from any session. Sections list the most urgent first and at most
`limit` items, with the total.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from data_access import accountability, cases, needs, permissions, return_visits, supervision
from data_access.models import SupervisionAction
from data_access.policy import Policy
from data_access.scope import Scope
from data_access.vocabulary import (
    CASE_APPROVED,
    CASE_CANDIDATE,
    CASE_CONSENTED,
    CASE_SHORTLISTED,
)

# Where an item opens: the page (its navigation url path) and the parameter naming the record.
PAGE_CADRE = "cadre"
PAGE_NEEDS = "needs"
PAGE_CASE = "case_detail"
PAGE_SUPERVISION = "supervision"
PAGE_RETURN_VISITS = "return_visits"

BATCHES = "我发出的提醒督办"
REGION_ACTIONS = "本地区待回应的提醒督办"
NEEDS = "本级逾期诉求"
CASES_TO_APPROVE = "待审核、待发布的案例"
CASES_TO_PREPARE = "待推进的案例"
RETURN_VISITS = "我的回访任务"
ACCOUNTABILITY = "建议问责的督办"

LIMIT = 20


@dataclass(frozen=True)
class Item:
    title: str  # one line: what it is
    detail: str  # one line: what is due, since when
    page: str  # PAGE_* (navigation url path of the page that opens it)
    params: dict[str, str]  # the URL parameters naming the record
    overdue_days: int = 0  # > 0: past its date by that many days (shown first)


@dataclass(frozen=True)
class Section:
    title: str
    explanation: str  # which items, by which rule
    total: int
    items: list[Item] = field(default_factory=list)
    empty: str = "没有待办。"


@dataclass(frozen=True)
class MyWork:
    as_of: dt.date
    week_end: dt.date
    sections: list[Section]

    @property
    def total(self) -> int:
        return sum(s.total for s in self.sections)


def week_end(day: dt.date) -> dt.date:
    """The Sunday of the week (Monday–Sunday) holding `day`: "due this week" is up to it."""
    return day + dt.timedelta(days=6 - day.weekday())


def _action_counts(rows, as_of: dt.date, until: dt.date):
    """Per group over supervision.actions_query rows: actions pending and due by `until`, the
    earliest such deadline, actions unanswered, and the earliest unanswered deadline."""
    due = (rows.c.outcome == supervision.PENDING) & (rows.c.deadline <= until)
    unanswered = rows.c.outcome == supervision.UNANSWERED
    return (
        func.sum(case((due, 1), else_=0)).label("due"),
        func.min(case((due, rows.c.deadline))).label("first_due"),
        func.sum(case((unanswered, 1), else_=0)).label("unanswered"),
        func.min(case((unanswered, rows.c.deadline))).label("first_unanswered"),
    )


def _due_words(r, as_of: dt.date) -> tuple[str, int]:
    parts = []
    if r.unanswered:
        parts.append(f"逾期未回应 {r.unanswered} 条（最早期限 {r.first_unanswered:%Y-%m-%d}）")
    if r.due:
        parts.append(f"本周到期待回应 {r.due} 条（最早 {r.first_due:%Y-%m-%d}）")
    late = (as_of - r.first_unanswered).days if r.unanswered else 0
    return "；".join(parts), late


def _open_groups(session: Session, grouped, tiebreak, limit: int):
    """Of grouped action counts, those with an action due this week or unanswered: their number and
    the first `limit`, the longest unanswered first, then the soonest due."""
    open_ = select(grouped).where((grouped.c.due > 0) | (grouped.c.unanswered > 0))
    total = session.scalar(select(func.count()).select_from(open_.subquery()))
    found = session.execute(
        open_.order_by(grouped.c.first_unanswered.is_(None), grouped.c.first_unanswered, grouped.c.first_due,
                       tiebreak).limit(limit)
    ).all()
    return total, found


def _batches(session: Session, scope: Scope, as_of: dt.date, policy: Policy, username: str, limit: int) -> Section:
    until = week_end(as_of)
    rows = supervision.actions_query(scope, as_of, policy).subquery("actions")
    mine = select(SupervisionAction.id).where(supervision.issued_by(username))
    counts = _action_counts(rows, as_of, until)
    grouped = (
        select(rows.c.batch_no, rows.c.kind, func.min(rows.c.issued_date).label("issued"), func.count().label("n"),
               *counts)
        .where(rows.c.action_id.in_(mine), rows.c.batch_no.is_not(None))
        .group_by(rows.c.batch_no, rows.c.kind)
        .subquery("batches")
    )
    total, found = _open_groups(session, grouped, grouped.c.batch_no, limit)
    items = []
    for r in found:
        words, late = _due_words(r, as_of)
        items.append(Item(f"{r.kind}批次 {r.batch_no}（{r.issued:%Y-%m-%d} 发出，共 {r.n} 条）", words,
                          PAGE_SUPERVISION, {"batch": r.batch_no}, late))
    return Section(BATCHES, f"您发出的批次中，回应期限在本周（至 {until:%m-%d}）内仍待回应的，或期限已过、发出后干部一直"
                            "未联系该结对户的（逾期未回应）。", int(total or 0), items,
                   "您发出的提醒督办没有本周到期或逾期未回应的。")


def _region_actions(session: Session, scope: Scope, as_of: dt.date, policy: Policy, limit: int) -> Section:
    until = week_end(as_of)
    rows = supervision.actions_query(scope, as_of, policy).subquery("actions")
    counts = _action_counts(rows, as_of, until)
    grouped = (
        select(rows.c.cadre_id, rows.c.cadre_name, rows.c.unit_name, *counts)
        .group_by(rows.c.cadre_id, rows.c.cadre_name, rows.c.unit_name)
        .subquery("cadres")
    )
    total, found = _open_groups(session, grouped, grouped.c.cadre_id, limit)
    items = []
    for r in found:
        words, late = _due_words(r, as_of)
        items.append(Item(f"干部 {r.cadre_name}（{r.unit_name}）", words, PAGE_CADRE, {"cadre": str(r.cadre_id)}, late))
    return Section(REGION_ACTIONS, f"本地区收到提醒督办的干部中，回应期限在本周（至 {until:%m-%d}）内仍待回应的，或逾期未回应的；"
                                   "干部联系结对户后，可在干部详情中录入联系记录。", int(total or 0), items,
                   "本地区没有本周到期或逾期未回应的提醒督办。")


def _needs(session: Session, scope: Scope, as_of: dt.date, region_code: str, limit: int) -> Section:
    level = needs.level_answered_by(region_code)
    rows = needs.overdue_query(scope, as_of)
    mine = select(rows).where(rows.c.level == level)
    total = session.scalar(select(func.count()).select_from(mine.subquery()))
    found = session.execute(mine.order_by(rows.c.due_date, rows.c.code).limit(limit)).all()
    items = [
        Item(f"诉求 {r.code}：{r.category} · {r.township or ''}{r.village or ''}", f"{(r.content or '')[:40]}；"
             f"办理期限 {r.due_date:%Y-%m-%d}，已逾期 {(as_of - r.due_date).days} 天", PAGE_NEEDS, {"need": r.code},
             (as_of - r.due_date).days)
        for r in found
    ]
    return Section(NEEDS, f"截至当日未办结、办理期限已过，且责任层级为“{level}”（您的账号所在层级）的诉求。", int(total or 0),
                   items, f"没有责任层级为“{level}”的逾期诉求。")


def _cases(session: Session, scope: Scope, as_of: dt.date, policy: Policy, statuses: tuple[str, ...], title: str,
           explanation: str, empty: str, limit: int) -> Section:
    frame = cases.gallery(session, scope, as_of, policy, statuses, limit=500)
    steps = {CASE_CONSENTED: "待审核", CASE_APPROVED: "待发布", CASE_CANDIDATE: "待决定是否入围",
             CASE_SHORTLISTED: "待登记知情同意"}
    items = [
        Item(f"案例 {int(r['编号'])}：{r['标题']}", f"{steps.get(r['状态'], r['状态'])} · {r['乡镇']} · {r['群体']} · "
             f"结对干部 {r['结对干部']}（{r['单位']}）", PAGE_CASE, {"case": str(int(r["编号"]))})
        for _, r in frame.head(limit).iterrows()
    ]
    return Section(title, explanation, len(frame), items, empty)


def _return_visits(session: Session, scope: Scope, as_of: dt.date, username: str, limit: int) -> Section:
    frame = return_visits.tasks(session, scope, username, return_visits.OPEN)
    items = [
        Item(f"回访任务 {int(r['任务号'])}：{r['户编号']} {r['乡镇']}{r['村']}（干部 {r['干部姓名']}）",
             f"{r['抽查原因']}；完成期限 {r['完成期限']:%Y-%m-%d}"
             + (f"，已逾期 {(as_of - r['完成期限']).days} 天" if r["完成期限"] < as_of else ""),
             PAGE_RETURN_VISITS, {"task": str(int(r["任务号"]))}, max((as_of - r["完成期限"]).days, 0))
        for _, r in frame.head(limit).iterrows()
    ]
    return Section(RETURN_VISITS, "安排给您、尚未登记结果的回访核实任务，期限早的在前。", len(frame), items,
                   "没有安排给您的待回访任务。")


def _accountability(session: Session, scope: Scope, as_of: dt.date, policy: Policy, issued_by: str | None,
                    limit: int) -> Section:
    frame = accountability.proposals(session, scope, as_of, limit, issued_by, open_only=True, policy=policy)
    items = [
        Item(f"督办 {r['批次号']}：干部 {r['干部姓名']}（{r['工作单位']}），户 {r['户编号']}",
             f"回应期限 {r['回应期限']:%Y-%m-%d}，已逾期 {r['逾期天数']} 天"
             + (f"；已登记 {r['已登记']}" if r["已登记"] else "") + f"；建议下一步：{r['建议下一步']}",
             PAGE_CADRE, {"cadre": str(int(r["cadre_id"]))}, int(r["逾期天数"]))
        for _, r in frame.head(limit).iterrows()
    ]
    whose = "您发出的督办中" if issued_by else "本地区的督办中"
    return Section(ACCOUNTABILITY, f"{whose}逾期未回应、尚未走完约谈、通报批评、问责的，及建议的下一步（由您决定是否登记）。",
                   accountability.open_proposal_count(session, scope, as_of, issued_by, policy), items, "没有需要考虑问责的督办。")


def reader(me: permissions.Actor) -> permissions.Actor:
    """`me` as `my_work` reads it: without the username when no section of the role reads it (a
    leader's sections depend on the role and the account's region only), so every leader of one
    region shares one computation in the page cache (20 province leaders opening 我的待办 computed
    the province's sections 20 times, bench.sessions). Keep in step with `my_work`: the sections
    that read `me.username` are those of issue_reminders and manage_return_visits."""
    if me.may("issue_reminders") or me.may("manage_return_visits"):
        return me
    return permissions.Actor("", me.role, me.scope)


def my_work(session: Session, scope: Scope, as_of: dt.date, policy: Policy, me: permissions.Actor,
            limit: int = LIMIT) -> MyWork:
    """The sections `me` (the logged-in user; `me.scope` is the account's region) answers for, in
    `scope` (the region shown) on `as_of`; a section only for a permission the role has."""
    sections = []
    if me.may("issue_reminders"):
        sections.append(_batches(session, scope, as_of, policy, me.username, limit))
    elif me.may("record_contacts"):
        sections.append(_region_actions(session, scope, as_of, policy, limit))
    if me.may("edit_needs"):
        sections.append(_needs(session, scope, as_of, me.scope.prefix, limit))
    if me.may("approve_cases"):
        sections.append(_cases(session, scope, as_of, policy, (CASE_CONSENTED, CASE_APPROVED), CASES_TO_APPROVE,
                               "已登记知情同意、待您审核的案例，以及已审核待发布的案例。", "没有待审核或待发布的案例。", limit))
    if me.may("manage_cases"):
        sections.append(_cases(session, scope, as_of, policy, (CASE_CANDIDATE, CASE_SHORTLISTED), CASES_TO_PREPARE,
                               "候选案例（待决定入围或不采用）和已入围、待登记知情同意的案例。", "没有待推进的案例。", limit))
    if me.may("manage_return_visits"):
        sections.append(_return_visits(session, scope, as_of, me.username, limit))
    if me.may("record_accountability"):
        issuer = me.username if me.may("issue_reminders") else None
        sections.append(_accountability(session, scope, as_of, policy, issuer, limit))
    return MyWork(as_of, week_end(as_of), sections)
