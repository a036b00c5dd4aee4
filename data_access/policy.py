"""The policy: every threshold of RULES.md and DOMAIN.md as a setting with a default.

Defaults live here; a deployment overrides them in the `policy_settings` table (the admin page
edits them and each change is audited). Code asks `load_policy(session)` and never hard-codes a
number the policy owns.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass, fields

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access import audit, permissions
from data_access.db import bump_version
from data_access.models import PolicySetting
from data_access.scope import Scope


@dataclass(frozen=True)
class Policy:
    contacts_per_period: int = 1  # per quarter: 4 a year
    visits_per_period: int = 1  # per half-year: 2 a year
    grace_days: int = 30  # a period counts only if the pairing started this many days before its end
    silent_days: int = 90
    first_visit_days: int = 30  # 认门: first home visit due within this many days of the start
    need_due_days: int = 30  # default 办理期限 = 提出日期 + this
    escalation_days: int = 15  # after an escalation, days the new level has before the next is proposed
    max_households_per_cadre: int = 3
    successor_gap_days: int = 30  # a pairing ended with no successor after this many days is a gap
    adult_age: int = 18
    response_days: int = 10  # default response deadline of a 提醒/督办: issued date + this
    ranking_bottom_count: int = 3  # rankings and the bulletin name this many lowest units/townships
    # Typical-case scoring (cases.score_terms): points per piece of evidence in the chosen period.
    case_weight_needs_solved: int = 10  # per need closed
    case_weight_fast_solved: int = 5  # extra per need closed within case_fast_days of being raised
    case_fast_days: int = 15
    case_weight_extra_contacts: int = 2  # per contact above what RULES.md owes
    case_weight_extra_visits: int = 4  # per home visit above what RULES.md owes
    case_weight_holidays: int = 5  # per traditional festival with a contact
    case_weight_policies: int = 6  # per entitled policy newly delivered
    case_weight_satisfied: int = 8  # per 满意 survey
    case_weight_dissatisfied: int = 15  # subtracted per 不满意 survey
    case_weight_rich_notes: int = 1  # per contact note of at least case_note_chars characters
    case_note_chars: int = 30
    # Which case themes fit the person (cases.fit): age windows of 上学, 就业 and 养老.
    case_school_age_from: int = 6
    case_school_age_to: int = 22
    case_work_age_from: int = 16
    case_elder_age: int = 60
    # 季考核 (RULES.md "Quarterly assessment"): part weights and grade thresholds (scores out of 100).
    assess_weight_contacts: int = 30
    assess_weight_visits: int = 30
    assess_weight_needs: int = 15
    assess_weight_satisfaction: int = 15
    assess_weight_supervision: int = 10
    assess_grade_good: int = 90  # 好 at or above
    assess_grade_fine: int = 80  # 较好 at or above
    assess_grade_fair: int = 60  # 一般 at or above; 差 below
    freshness_warn_days: int = 7  # a township whose data last came in longer ago than this is flagged
    # Entry time and authenticity signals (RULES.md "Entry time and answered reminders", "Authenticity
    # signals"): prompts to check, never a status.
    late_entry_grace_days: int = 3  # a response entered more than this many days after the deadline is late
    late_entry_days: int = 7  # 补录: entered more than this many days after the contact's date
    burst_size: int = 5  # 集中补录: this many contacts of one cadre entered on one day …
    burst_span_days: int = 30  # … whose dates span at least this many days
    deadline_window_days: int = 5  # 临检突击: back-filled within this many days ending on a deadline
    min_note_chars: int = 10  # 雷同记录: notes shorter than this (without spaces, punctuation) are ignored
    dup_note_count: int = 3  # 雷同记录: the same note on this many records of one cadre
    min_contacts_no_visit: int = 4  # 只联不访: this many contacts in the year and no visit owed
    return_visit_days: int = 14  # 回访核实: default days an inspector has for a 回访 task
    # Not a setting but the reading a view asks for (never stored, not on 规则设置): 1 reads a past
    # day "as known then" (按录入时间: contacts entered after D are left out), 0 by contact date.
    as_known: int = 0

    @classmethod
    def from_overrides(cls, overrides: dict[str, object]) -> Policy:
        known = {f.name for f in fields(cls)}
        return cls(**{k: int(v) for k, v in overrides.items() if k in known})


# Chinese labels and explanations for the settings page, in the order shown.
POLICY_LABELS: dict[str, tuple[str, str]] = {
    "contacts_per_period": ("每季度应联系次数", "每个季度至少联系结对户的次数（全年 = 4 × 该值）"),
    "visits_per_period": ("每半年应走访次数", "每半年至少实地走访的次数（全年 = 2 × 该值）"),
    "grace_days": ("新结对宽限天数", "结对开始距周期末不足该天数的，该周期不计应联系/应走访"),
    "silent_days": ("失联判定天数", "结对已满该天数且最近该天数内无任何联系，判定为失联"),
    "first_visit_days": ("认门期限（天）", "结对后该天数内未实地走访，首次走访（认门）逾期"),
    "need_due_days": ("诉求默认办理期限（天）", "未填办理期限的诉求，期限为提出日期加该天数"),
    "escalation_days": ("诉求上报后办理期限（天）", "逾期诉求上报后，新的责任层级在该天数内仍未办结的，提示继续上报"),
    "max_households_per_cadre": ("每名干部最多结对户数", "超过该户数的干部列入数据核查"),
    "successor_gap_days": ("结对断档天数", "结对解除后超过该天数仍无新结对，列为断档"),
    "adult_age": ("儿童年满年龄", "孤儿、事实无人抚养儿童年满该年龄应调整结对"),
    "response_days": ("提醒督办回应期限（天）", "发出提醒或督办后，干部应在该天数内联系结对户"),
    "ranking_bottom_count": ("排名末位通报个数", "单位、乡镇按达标率排名时标出并在月通报中点名的末位个数（未全部达标的才列入）"),
    "case_weight_needs_solved": ("案例评分：每件办结诉求", "所选期间内每办结一件诉求得分"),
    "case_weight_fast_solved": ("案例评分：每件快速办结", "提出后在“快速办结天数”内办结的诉求，每件另加分"),
    "case_fast_days": ("案例评分：快速办结天数", "诉求自提出到办结不超过该天数，算快速办结"),
    "case_weight_extra_contacts": ("案例评分：每次超额联系", "截至期末，联系次数超过应联系次数的部分，每次得分"),
    "case_weight_extra_visits": ("案例评分：每次超额走访", "截至期末，实地走访超过应走访次数的部分，每次得分"),
    "case_weight_holidays": ("案例评分：每个节日联系", "所选期间内在传统节日当天联系过的节日，每个得分"),
    "case_weight_policies": ("案例评分：每项新落实政策", "所选期间内新落实的应享政策，每项得分"),
    "case_weight_satisfied": ("案例评分：每次“满意”回访", "所选期间内结对户评价“满意”，每次得分"),
    "case_weight_dissatisfied": ("案例评分：每次“不满意”扣分", "所选期间内结对户评价“不满意”，每次扣分"),
    "case_weight_rich_notes": ("案例评分：每条详实记录", "所选期间内内容达到“详实记录字数”的联系记录，每条得分"),
    "case_note_chars": ("案例评分：详实记录字数", "联系记录内容不少于该字数，算一条详实记录"),
    "case_school_age_from": ("案例主题：上学最小年龄", "对象不满该年龄的，案例不用“上学”主题"),
    "case_school_age_to": ("案例主题：上学最大年龄", "对象超过该年龄的，案例不用“上学”主题"),
    "case_work_age_from": ("案例主题：就业最小年龄", "对象不满该年龄的（及孤儿、事实无人抚养儿童），案例不用“就业”主题"),
    "case_elder_age": ("案例主题：养老起始年龄", "对象满该年龄的，案例才用“养老”主题，且不再用“就业”主题"),
    "assess_weight_contacts": ("季考核权重：联系", "季考核中“联系”部分的权重（已联系且不超过应联系 ÷ 应联系）"),
    "assess_weight_visits": ("季考核权重：走访", "季考核中“走访”部分的权重（已走访且不超过应走访 ÷ 应走访）"),
    "assess_weight_needs": ("季考核权重：诉求", "季考核中“诉求”部分的权重（本季到期诉求中按期办结的比例）"),
    "assess_weight_satisfaction": ("季考核权重：满意度", "季考核中“满意度”部分的权重（本季回访中满意、基本满意的比例）"),
    "assess_weight_supervision": ("季考核权重：督办", "季考核中“督办”部分的权重（本季到期督办中按期回应的比例）"),
    "assess_grade_good": ("季考核等级：好", "季考核得分不低于该分数为“好”"),
    "assess_grade_fine": ("季考核等级：较好", "季考核得分不低于该分数为“较好”"),
    "assess_grade_fair": ("季考核等级：一般", "季考核得分不低于该分数为“一般”，低于为“差”"),
    "freshness_warn_days": ("数据更新提醒天数", "乡镇的数据（导入或录入）超过该天数没有更新的，在工作总览和侧栏提示"),
    "late_entry_grace_days": ("回应录入宽限天数", "提醒督办期限内的联系，须在期限后该天数内录入才算按期回应，否则为逾期后回应"),
    "late_entry_days": ("补录判定天数", "录入日期比联系日期晚超过该天数的记录，列为“补录”（恰好该天数不算）"),
    "burst_size": ("集中补录条数", "同一干部在同一天录入的联系记录达到该条数……"),
    "burst_span_days": ("集中补录跨度天数", "……且这些记录的最早与最晚日期相差该天数以上，列为“集中补录”"),
    "deadline_window_days": ("临检突击天数", "补录记录在季度末或提醒督办期限前该天数内（含当天）录入的，列为“临检突击”"),
    "min_note_chars": ("雷同记录最少字数", "联系内容去掉空格和标点后不足该字数的，不比对雷同"),
    "dup_note_count": ("雷同记录条数", "同一干部有该条数以上内容相同的记录（或与其他干部的记录相同），列为“雷同记录”"),
    "min_contacts_no_visit": ("只联不访联系次数", "应走访而本年未走访、但有该次数以上其他联系的结对，列为“只联不访”"),
    "return_visit_days": ("回访核实期限（天）", "督查组安排回访核实任务时，默认在该天数内完成"),
}


def load_policy(session: Session) -> Policy:
    rows = session.execute(select(PolicySetting.key, PolicySetting.value)).all()
    return Policy.from_overrides({key: json.loads(value) for key, value in rows})


def _save_setting(session: Session, key: str, value: int, username: str | None) -> None:
    if key not in POLICY_LABELS:
        raise KeyError(key)
    if value < 0:
        raise ValueError(value)
    row = session.get(PolicySetting, key)
    now = dt.datetime.now()
    if row is None:
        session.add(PolicySetting(key=key, value=json.dumps(value), updated_at=now, updated_by=username))
    else:
        row.value, row.updated_at, row.updated_by = json.dumps(value), now, username


# Floors below which a setting makes no sense (a 0-day silence window would call everyone silent).
MINIMUMS: dict[str, int] = {
    "silent_days": 1, "adult_age": 1, "freshness_warn_days": 1, "burst_size": 2,
    "deadline_window_days": 1, "dup_note_count": 2, "min_note_chars": 1, "return_visit_days": 1,
}


def change_setting(session: Session, key: str, value: int, *, actor: permissions.Actor) -> bool:
    """One change from the settings page: permission checked, saved, audited (old → new) and the data
    version bumped so every cached figure is recomputed under the new rule. False when unchanged.
    The rule holds for the whole database, so only an administrator of the whole database changes it."""
    permissions.check(actor, "edit_policy", Scope())
    username = actor.username
    if key not in POLICY_LABELS:
        raise KeyError(key)
    value = int(value)
    if value < MINIMUMS.get(key, 0):
        raise ValueError(f"“{POLICY_LABELS[key][0]}”不能小于 {MINIMUMS.get(key, 0)}")
    old = getattr(load_policy(session), key)
    if value == old:
        return False
    _save_setting(session, key, value, actor.username)
    audit.record(session, username, "policy_setting", None, key,
                 {"setting": POLICY_LABELS[key][0], "old": old, "new": value})
    # A setting changes no record: the stored signals and case evidence stay valid for the settings
    # they were made under (their policy key), and those of the new reading are stored below.
    bump_version(session, status_inputs=False, evidence_inputs=False, assessment_inputs=False, signal_inputs=False)
    _after_rule_change(session, key)
    return True


def change_settings(session: Session, changes: dict[str, int], *, actor: permissions.Actor) -> list[str]:
    """Several changes in one transaction (all or nothing); returns the keys that changed."""
    permissions.check(actor, "edit_policy", Scope())
    return [key for key, value in changes.items() if change_setting(session, key, value, actor=actor)]


def _after_rule_change(session: Session, key: str) -> None:
    """The write path pays: when a setting the rule (or the reminders' outcome) reads changed, the
    evaluations the pages read by default under the new reading (today, last week's same day and
    the month ends of its year) are stored as soon as the change commits (upkeep), not by the first
    viewer; when a setting only the authenticity signals read changed, the signals of the days
    真实性核查 and 月通报 read (upkeep.signal_days), likewise — not by the next write's upkeep; and
    when a setting of the case score changed, 案例挖掘's evidence of today (upkeep.after_write)."""
    from data_access import signal_store, upkeep
    from data_access.cases import evidence_store

    if upkeep.reads_any([key]):
        upkeep.after_commit(session, rule_changed=True)
    elif signal_store.reads_any([key]) or evidence_store.reads_any([key]):
        upkeep.after_commit(session)


def saving_note(keys) -> str:
    """What saving these settings recomputes before the settings page answers (its progress line)."""
    from data_access import signal_store, upkeep

    if upkeep.reads_any(keys):
        return "正在保存，并按新口径计算全库结对达标情况（今天及今年各月末）和真实性核查信号……"
    from data_access.cases import evidence_store

    parts = []
    if signal_store.reads_any(keys):
        parts.append("重新核查全库的真实性核查信号（今天及上月末）")
    if evidence_store.reads_any(keys):
        parts.append("重新计算案例挖掘的推荐得分")
    return f"正在保存，并按新口径{'，'.join(parts)}……" if parts else "正在保存……"


def as_dict(policy: Policy) -> dict[str, int]:
    return dataclasses.asdict(policy)
