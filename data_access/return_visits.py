"""The return-visit loop (回访核实): inspectors check the records by asking the families.

An inspector draws a sample of the pairings active on D in their region — at random, or weighted
toward pairings whose records carry authenticity signals (signals.py) — or schedules one from a row
of 真实性核查. Each becomes a dated task on a list (HF{date}-{n}) for one inspector. Entering the
result (回访日期, 方式, 满意度, 干部是否上门, 说明) stores a 满意度回访 about the task's cadre and closes
the task; a 否 while a visit is recorded is then 回访不符 on 真实性核查.

Every write takes the actor, checks `manage_return_visits` and the actor's region, and is audited.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_access import assessment_store, audit, compliance, db, permissions, signals
from data_access.config import current_date
from data_access.db import bump_version, claim_signal_writes
from data_access.masking import mask_name
from data_access.models import (
    Cadre,
    Contact,
    Household,
    Person,
    Region,
    ReturnVisitTask,
    Satisfaction,
    Unit,
    User,
)
from data_access.policy import Policy
from data_access.scope import Scope, ScopeError
from data_access.vocabulary import CADRE_CAME_ANSWERS, ENTRY_IN_APP, RETURN_VISIT_METHODS, SATISFACTION_LEVELS

OPEN = "待回访"
DONE = "已回访"
STATUSES = (OPEN, DONE)
RANDOM = "随机抽查"
WEIGHTED = "按信号抽查"
FROM_SIGNALS = "真实性核查安排"


@dataclass(frozen=True)
class TaskList:
    list_no: str
    tasks: int
    inspectors: tuple[str, ...]
    due_date: dt.date


def _next_list_no(session: Session, day: dt.date) -> str:
    prefix = f"HF{day:%Y%m%d}-"
    taken = session.scalar(
        select(func.count(func.distinct(ReturnVisitTask.list_no))).where(ReturnVisitTask.list_no.like(f"{prefix}%"))
    )
    return f"{prefix}{taken + 1:03d}"


def inspectors(session: Session, scope: Scope) -> dict[str, str]:
    """Active inspector accounts whose region lies inside `scope` (who a list may be given to):
    username → the name shown (display name, else the username)."""
    rows = session.execute(
        select(User.username, User.display_name, User.region_code)
        .where(User.role == "inspector", User.is_active.is_(True)).order_by(User.username)
    ).all()
    return {name: shown or name for name, shown, region in rows if region and scope.contains(region)}


def _open_pairings(session: Session) -> set[int]:
    return set(session.scalars(select(ReturnVisitTask.pairing_id).where(ReturnVisitTask.status == OPEN)))


def _signal_weights(session: Session, scope: Scope, as_of: dt.date, policy: Policy) -> dict[int, tuple[int, list[str]]]:
    """Pairing → (records with a signal, the signals) over the year to D in scope."""
    rows = signals.signal_records(scope, as_of, policy).subquery("signal_records")
    contact_pairing = (
        select(rows.c.signal, Contact.pairing_id)
        .join(Contact, Contact.id == rows.c.record_id)
        .where(rows.c.signal != signals.DISAGREES)
    )
    survey_pairing = (
        select(rows.c.signal, Satisfaction.pairing_id)
        .join(Satisfaction, Satisfaction.id == rows.c.record_id)
        .where(rows.c.signal == signals.DISAGREES, Satisfaction.pairing_id.is_not(None))
    )
    found: dict[int, tuple[int, list[str]]] = {}
    for statement in (contact_pairing, survey_pairing):
        for signal, pairing_id in session.execute(statement):
            n, names = found.get(pairing_id, (0, []))
            found[pairing_id] = (n + 1, names if signal in names else [*names, signal])
    return found


def _create(session: Session, scope: Scope, chosen: list[tuple[int, str]], who: list[str], due: dt.date,
            today: dt.date, actor: permissions.Actor, as_of: dt.date, policy: Policy) -> TaskList:
    """Tasks for (pairing_id, reason) pairs, dealt round-robin to `who`, on one new list."""
    ids = [pairing_id for pairing_id, _ in chosen]
    status = compliance.pairing_status(scope, as_of, policy).subquery("pairing_status")
    rows = {r.pairing_id: r for r in session.execute(
        select(status.c.pairing_id, status.c.household_id, status.c.cadre_id).where(status.c.pairing_id.in_(ids))
    )}
    if len(rows) != len(set(ids)):
        raise ScopeError("所选结对不在当前地区范围内或已解除，请刷新后重试")
    list_no = _next_list_no(session, today)
    for n, (pairing_id, reason) in enumerate(chosen):
        row = rows[pairing_id]
        session.add(ReturnVisitTask(
            list_no=list_no, inspector=who[n % len(who)], household_id=row.household_id, pairing_id=pairing_id,
            cadre_id=row.cadre_id, reason=reason[:200], assigned_date=today, due_date=due, status=OPEN,
            created_by=actor.username,
        ))
    session.flush()
    audit.record(session, actor.username, "return_visit_tasks", scope.prefix or None, list_no,
                 {"count": len(chosen), "inspectors": who, "due": due, "as_of": as_of})
    bump_version(session, status_inputs=False, assessment_inputs=False, signal_inputs=False)  # a task changes no signal until its result
    return TaskList(list_no, len(chosen), tuple(dict.fromkeys(who[: len(chosen)])), due)


def _inspectors_for(actor: permissions.Actor, who: list[str], session: Session) -> list[str]:
    """Who a list may be dealt to: active inspectors of the actor's region, or the actor."""
    who = list(dict.fromkeys(who)) or [actor.username]
    allowed = set(inspectors(session, actor.scope)) | {actor.username}
    outside = [w for w in who if w not in allowed]
    if outside:
        raise ValueError(f"回访人“{'、'.join(outside)}”不是本地区在用的督查组账号")
    return who


def draw_sample(
    session: Session,
    scope: Scope,
    as_of: dt.date,
    policy: Policy,
    size: int,
    weighted: bool,
    who: list[str],
    due: dt.date | None = None,
    seed: int | None = None,
    today: dt.date | None = None,
    *,
    actor: permissions.Actor,
) -> TaskList:
    """Draw `size` pairings active on D in scope (none with an open task) as a new list dealt to the
    inspectors `who`: at random, or weighted toward pairings with signals (those with the most
    records behind a signal first, the rest at random)."""
    permissions.check(actor, "manage_return_visits", scope)
    who = _inspectors_for(actor, who, session)
    if size < 1:
        raise ValueError("抽查户数至少为 1")
    today = today or current_date()
    due = due or today + dt.timedelta(days=policy.return_visit_days)
    if due < today:
        raise ValueError("完成期限不能早于今天")
    status = compliance.pairing_status(scope, as_of, policy).subquery("pairing_status")
    busy = _open_pairings(session)
    candidates = [p for p in session.scalars(select(status.c.pairing_id).order_by(status.c.pairing_id)) if p not in busy]
    if not candidates:
        raise ValueError("当前地区没有可抽查的结对户（或均已在待回访名单中）")
    rng = random.Random(seed)
    rng.shuffle(candidates)
    chosen: list[tuple[int, str]] = []
    if weighted:
        weights = _signal_weights(session, scope, as_of, policy)
        flagged = sorted((p for p in candidates if p in weights), key=lambda p: -weights[p][0])
        chosen = [(p, f"{WEIGHTED}：{'、'.join(sorted(weights[p][1], key=signals.SIGNALS.index))}")
                  for p in flagged[:size]]
        taken = {p for p, _ in chosen}
        candidates = [p for p in candidates if p not in taken]
    chosen += [(p, RANDOM) for p in candidates[: size - len(chosen)]]
    return _create(session, scope, chosen, who, due, today, actor, as_of, policy)


def schedule_for_cadre(
    session: Session,
    scope: Scope,
    as_of: dt.date,
    policy: Policy,
    cadre_id: int,
    who: list[str],
    due: dt.date | None = None,
    today: dt.date | None = None,
    *,
    actor: permissions.Actor,
) -> TaskList:
    """Schedule a 回访 of every household the cadre is paired with on D in scope (none already open),
    from a row of 真实性核查."""
    permissions.check(actor, "manage_return_visits", scope)
    who = _inspectors_for(actor, who, session)
    today = today or current_date()
    due = due or today + dt.timedelta(days=policy.return_visit_days)
    status = compliance.pairing_status(scope, as_of, policy).subquery("pairing_status")
    busy = _open_pairings(session)
    pairings = [p for p in session.scalars(select(status.c.pairing_id).where(status.c.cadre_id == cadre_id)
                                            .order_by(status.c.pairing_id)) if p not in busy]
    if not pairings:
        raise ValueError("该干部在当前地区没有结对户，或其结对户已在待回访名单中")
    counts = signals.cadre_signal_counts(session, scope, as_of, policy, cadre_id)
    reason = f"{FROM_SIGNALS}：{'、'.join(counts)}" if counts else FROM_SIGNALS
    return _create(session, scope, [(p, reason) for p in pairings], who, due, today, actor, as_of, policy)


TASK_COLUMNS = ["任务号", "名单号", "回访人", "户编号", "乡镇", "村", "结对对象", "干部编号", "干部姓名", "工作单位",
                "抽查原因", "安排日期", "完成期限", "状态", "回访日期", "满意度", "干部是否上门"]


def tasks(session: Session, scope: Scope, inspector: str | None = None, status: str | None = None,
          limit: int = 500) -> pd.DataFrame:
    """Tasks about households in scope (an inspector's own when `inspector` is given), open ones by
    due date first. The person cared for appears masked (张*明)."""
    village = Region.__table__.alias("village")
    township = Region.__table__.alias("township")
    first_person = (
        select(func.min(Person.name)).where(Person.household_id == ReturnVisitTask.household_id).scalar_subquery()
    )
    statement = (
        select(ReturnVisitTask.id, ReturnVisitTask.list_no,
               func.coalesce(func.nullif(User.display_name, ""), ReturnVisitTask.inspector), Household.code,
               township.c.name, village.c.name, first_person, Cadre.code, Cadre.name, Unit.name,
               ReturnVisitTask.reason, ReturnVisitTask.assigned_date, ReturnVisitTask.due_date, ReturnVisitTask.status,
               Satisfaction.survey_date, Satisfaction.level, Satisfaction.cadre_came)
        .join(Household, Household.id == ReturnVisitTask.household_id)
        .join(village, village.c.code == Household.village_code)
        .outerjoin(township, township.c.code == village.c.parent_code)
        .join(Cadre, Cadre.id == ReturnVisitTask.cadre_id)
        .join(Unit, Unit.id == Cadre.unit_id)
        .outerjoin(Satisfaction, Satisfaction.id == ReturnVisitTask.satisfaction_id)
        .outerjoin(User, User.username == ReturnVisitTask.inspector)
        .where(scope.within(Household.village_code),
               *([ReturnVisitTask.inspector == inspector] if inspector else []),
               *([ReturnVisitTask.status == status] if status else []))
        .order_by((ReturnVisitTask.status == DONE), ReturnVisitTask.due_date, ReturnVisitTask.id)
        .limit(limit)
    )
    data = [[*r[:6], mask_name(r[6]), *r[7:14], r[14] or "", r[15] or "", r[16] or ""]
            for r in session.execute(statement)]
    return pd.DataFrame(data, columns=TASK_COLUMNS)


@dataclass(frozen=True)
class Result:
    task_id: int
    satisfaction_id: int
    household_code: str
    cadre_name: str
    cadre_came: str


def record_result(
    session: Session,
    task_id: int,
    survey_date: dt.date,
    method: str,
    level: str,
    cadre_came: str,
    note: str = "",
    now: dt.datetime | None = None,
    *,
    actor: permissions.Actor,
) -> Result:
    """Enter what the family said: stores a 满意度回访 about the task's cadre (entered now, in the app)
    and closes the task. Refused for a closed task, a task outside the actor's region, a date in the
    future or before the task was assigned, or a value not in the vocabulary."""
    permissions.check(actor, "manage_return_visits")
    claim_signal_writes(session)  # it refreshes the stored signals (signals.refresh_stored)
    now = now or dt.datetime.now()
    task = session.get(ReturnVisitTask, task_id)
    village = session.scalar(select(Household.village_code).where(Household.id == task.household_id)) if task else None
    if task is None or not actor.scope.contains(village):
        raise ScopeError(f"回访任务 {task_id} 不存在或不在您的管辖范围内")
    if task.status != OPEN:
        raise ValueError(f"回访任务 {task_id} 已登记结果，不能重复登记")
    if method not in RETURN_VISIT_METHODS:
        raise ValueError(f"回访方式“{method}”应为：{'、'.join(RETURN_VISIT_METHODS)}")
    if level not in SATISFACTION_LEVELS:
        raise ValueError(f"满意度“{level}”应为：{'、'.join(SATISFACTION_LEVELS)}")
    if cadre_came not in CADRE_CAME_ANSWERS:
        raise ValueError(f"干部是否上门“{cadre_came}”应为：{'、'.join(CADRE_CAME_ANSWERS)}")
    if survey_date > current_date():
        raise ValueError(f"回访日期 {survey_date:%Y-%m-%d} 晚于今天")
    if survey_date < task.assigned_date:
        raise ValueError(f"回访日期 {survey_date:%Y-%m-%d} 早于任务安排日期 {task.assigned_date:%Y-%m-%d}")
    survey = Satisfaction(
        code=f"HF-{task.id}", household_id=task.household_id, pairing_id=task.pairing_id, cadre_id=task.cadre_id,
        survey_date=survey_date, method=method, visitor=f"督查组（{actor.username}）", level=level,
        cadre_came=cadre_came, note=note.strip() or None, entered_at=now.replace(microsecond=0),
        entry_source=ENTRY_IN_APP, entered_by=actor.username,
    )
    session.add(survey)
    session.flush()
    task.status, task.satisfaction_id, task.done_at = DONE, survey.id, now.replace(microsecond=0)
    household = session.scalar(select(Household.code).where(Household.id == task.household_id))
    cadre = session.scalar(select(Cadre.name).where(Cadre.id == task.cadre_id))
    audit.record(session, actor.username, "return_visit_result", village, f"回访任务 {task.id}",
                 {"households": household, "level": level, "cadre_came": cadre_came, "method": method})
    assessment_store.keep(session, [village], survey_date)  # a 回访 dated inside an ended quarter counts there
    evidence_before = db.evidence_version(session)
    bump_version(session, status_inputs=False, assessment_inputs=False)
    signals.refresh_stored(session, [task.cadre_id])  # 回访不符 of the cadre, in the stored signals
    from data_access.cases import evidence_store  # the cases package reads 回访 through compliance

    evidence_store.keep_household(session, task.household_id, evidence_before)  # 案例挖掘's stored evidence
    return Result(task.id, survey.id, household, cadre, cadre_came)
