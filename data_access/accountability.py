"""The accountability chain after an unanswered 督办: 约谈 → 通报批评 → 问责, recorded on a cadre.

Nothing is automatic. For every 督办 unanswered past its deadline (supervision: 逾期未回应) the page
proposes the next step — 约谈 when none was recorded on that 督办, then 通报批评, then 问责 — and a
person (inspector or leader, `record_accountability`) decides and records it: dated, with a note and
the document number (required for 通报批评 and 问责, which are documents). A step is a row that is
never changed; each is audited. A cadre's current step is the furthest step recorded on them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_access import audit, permissions, supervision
from data_access.config import current_date
from data_access.db import bump_version
from data_access.models import AccountabilityStep, Cadre, Household, Pairing, SupervisionAction, Unit
from data_access.policy import Policy, load_policy
from data_access.scope import Scope, ScopeError
from data_access.vocabulary import ACCOUNTABILITY_STEPS, ACTION_SUPERVISE, STEP_TALK

STEP_ORDER = {step: position for position, step in enumerate(ACCOUNTABILITY_STEPS)}


class StepError(ValueError):
    """A step refused with a reason in Chinese."""


def next_step(latest: str | None) -> str | None:
    """The step proposed after `latest` (None: nothing recorded yet -> 约谈; after 问责: none)."""
    if latest is None:
        return STEP_TALK
    position = STEP_ORDER[latest] + 1
    return ACCOUNTABILITY_STEPS[position] if position < len(ACCOUNTABILITY_STEPS) else None


def _cadre_in_scope(scope: Scope):
    """SQL: the cadre has a pairing with a household inside `scope` (how every inspection page
    decides whose records a region's users see)."""
    return (select(Pairing.id).join(Household, Household.id == Pairing.household_id)
            .where(Pairing.cadre_id == Cadre.id, scope.within(Household.village_code)).exists())


def _furthest(steps: list[str]) -> str | None:
    return max(steps, key=STEP_ORDER.__getitem__) if steps else None


@dataclass(frozen=True)
class Recorded:
    step_id: int
    cadre_name: str
    step: str
    step_date: dt.date
    doc_no: str | None


def record_step(session: Session, cadre_id: int, step: str, step_date: dt.date, note: str, doc_no: str | None,
                action_id: int | None = None, *, actor: permissions.Actor, today: dt.date | None = None) -> Recorded:
    """Record one step on a cadre (inside the actor's region). Refused: an unknown step, a date in the
    future, no note, no document number for 通报批评 / 问责, or the same step already recorded on the
    same 督办 (a second click does not record it twice)."""
    permissions.check(actor, "record_accountability")
    today = today or current_date()
    cadre = session.execute(select(Cadre.id, Cadre.name).where(Cadre.id == cadre_id, _cadre_in_scope(actor.scope))
                            ).one_or_none()
    if cadre is None:
        raise ScopeError(str(cadre_id))
    if step not in ACCOUNTABILITY_STEPS:
        raise StepError(f"处理方式应为{'、'.join(ACCOUNTABILITY_STEPS)}之一：{step}")
    if step_date > today:
        raise StepError(f"日期 {step_date:%Y-%m-%d} 晚于今天，不能登记")
    note, doc_no = (note or "").strip(), (doc_no or "").strip() or None
    if not note:
        raise StepError("请填写情况说明")
    if step != STEP_TALK and not doc_no:
        raise StepError(f"{step}须填写文号")
    if action_id is not None:
        action = session.get(SupervisionAction, action_id)
        if action is None or action.cadre_id != cadre_id or action.kind != ACTION_SUPERVISE:
            raise StepError("所选督办不是该干部的督办")
        done = session.scalar(select(AccountabilityStep.id).where(
            AccountabilityStep.action_id == action_id, AccountabilityStep.step == step))
        if done is not None:
            raise StepError(f"该督办已登记过{step}，不再重复登记")
    row = AccountabilityStep(cadre_id=cadre_id, action_id=action_id, step=step, step_date=step_date, note=note,
                             doc_no=doc_no, recorded_by=actor.username,
                             recorded_at=dt.datetime.now().replace(microsecond=0))
    session.add(row)
    session.flush()
    audit.record(session, actor.username, "accountability", actor.scope.prefix or None, f"干部 {cadre.name}",
                 {"op": step, "date": step_date, "doc": doc_no, "note": note})
    bump_version(session, status_inputs=False, evidence_inputs=False, assessment_inputs=False, signal_inputs=False)
    return Recorded(row.id, cadre.name, step, step_date, doc_no)


CHAIN_COLUMNS = ["日期", "处理方式", "文号", "情况说明", "关联督办", "登记人", "登记时间"]


def chain(session: Session, scope: Scope, cadre_id: int) -> pd.DataFrame:
    """The steps recorded on a cadre (in `scope`), oldest first: 干部详情 shows them."""
    rows = session.execute(
        select(AccountabilityStep.step_date, AccountabilityStep.step, AccountabilityStep.doc_no,
               AccountabilityStep.note, SupervisionAction.batch_no, AccountabilityStep.recorded_by,
               AccountabilityStep.recorded_at)
        .join(Cadre, Cadre.id == AccountabilityStep.cadre_id)
        .outerjoin(SupervisionAction, SupervisionAction.id == AccountabilityStep.action_id)
        .where(AccountabilityStep.cadre_id == cadre_id, _cadre_in_scope(scope))
        .order_by(AccountabilityStep.step_date, AccountabilityStep.id)
    ).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=CHAIN_COLUMNS)


PROPOSAL_COLUMNS = ["督办编号", "批次号", "干部编号", "干部姓名", "工作单位", "户编号", "乡镇", "村", "回应期限",
                    "逾期天数", "已登记", "建议下一步"]


def _unanswered_orders(session: Session, scope: Scope, as_of: dt.date, issued_by: str | None, open_only: bool,
                       policy: Policy | None):
    """The unanswered actions (supervision's outcome, read as the view reads: `policy.as_known`, 按录入时间,
    leaves out contacts entered after `as_of`; default: the stored settings, by contact date) in scope
    and the conditions keeping the 督办 among them (of batches `issued_by` issued, when given; with
    `open_only`, those still with a next step: the chain's last step, 问责, not recorded on them)."""
    policy = policy if policy is not None else load_policy(session)
    rows = supervision.actions_query(scope, as_of, policy, supervision.UNANSWERED).subquery("unanswered")
    conditions = [rows.c.kind == ACTION_SUPERVISE]
    if issued_by:
        conditions.append(rows.c.action_id.in_(select(SupervisionAction.id).where(supervision.issued_by(issued_by))))
    if open_only:
        conditions.append(~select(AccountabilityStep.id).where(
            AccountabilityStep.action_id == rows.c.action_id, AccountabilityStep.step == ACCOUNTABILITY_STEPS[-1]
        ).exists())
    return rows, conditions


def proposal_count(session: Session, scope: Scope, as_of: dt.date, issued_by: str | None = None,
                   open_only: bool = False, policy: Policy | None = None) -> int:
    """How many 督办 `proposals` lists in all (its pages together)."""
    rows, conditions = _unanswered_orders(session, scope, as_of, issued_by, open_only, policy)
    return int(session.scalar(select(func.count()).select_from(rows).where(*conditions)) or 0)


def open_proposal_count(session: Session, scope: Scope, as_of: dt.date, issued_by: str | None = None,
                        policy: Policy | None = None) -> int:
    """How many 督办 `proposals(..., open_only=True)` lists in all."""
    return proposal_count(session, scope, as_of, issued_by, True, policy)


def proposals(session: Session, scope: Scope, as_of: dt.date, limit: int = 500,
              issued_by: str | None = None, open_only: bool = False, policy: Policy | None = None,
              offset: int = 0) -> pd.DataFrame:
    """Every 督办 unanswered past its deadline on `as_of` in scope (supervision's outcome), with the
    steps already recorded on it and the next step proposed (empty once 问责 is recorded); with
    `issued_by`, only the 督办 of batches that account issued (supervision.issued_by); with
    `open_only`, only those with a next step. `policy`: the view's reading (the page's, with
    按录入时间 in `as_known`: a contact entered after `as_of` has not answered yet); default the
    stored settings, by contact date. `limit` rows from `offset` (a page; proposal_count: all).
    Columns PROPOSAL_COLUMNS and cadre_id (for opening the cadre, not shown)."""
    rows, conditions = _unanswered_orders(session, scope, as_of, issued_by, open_only, policy)
    found = session.execute(
        select(rows.c.action_id, rows.c.batch_no, rows.c.cadre_id, rows.c.cadre_code, rows.c.cadre_name,
               rows.c.unit_name, rows.c.household_code, rows.c.township, rows.c.village, rows.c.deadline)
        .where(*conditions)
        .order_by(rows.c.deadline, rows.c.cadre_code, rows.c.action_id)
        .limit(limit).offset(offset)
    ).all()
    steps: dict[int, list[str]] = {}
    ids = [r.action_id for r in found]
    for start in range(0, len(ids), 500):
        for action_id, step in session.execute(select(AccountabilityStep.action_id, AccountabilityStep.step)
                                               .where(AccountabilityStep.action_id.in_(ids[start:start + 500]))):
            steps.setdefault(action_id, []).append(step)
    records = []
    for r in found:
        recorded = sorted(steps.get(r.action_id, []), key=STEP_ORDER.__getitem__)
        records.append((r.action_id, r.batch_no, r.cadre_code, r.cadre_name, r.unit_name, r.household_code,
                        r.township, r.village, r.deadline, (as_of - r.deadline).days, "、".join(recorded),
                        next_step(_furthest(recorded)) or "", r.cadre_id))
    return pd.DataFrame(records, columns=[*PROPOSAL_COLUMNS, "cadre_id"])


def _latest_steps(session: Session, scope: Scope):
    """(cadre_id, unit name, cadre code, name, furthest step, its latest date) for every cadre in scope
    with a recorded step."""
    rows = session.execute(
        select(Cadre.id, Unit.name, Cadre.code, Cadre.name, AccountabilityStep.step, AccountabilityStep.step_date)
        .join(Cadre, Cadre.id == AccountabilityStep.cadre_id)
        .join(Unit, Unit.id == Cadre.unit_id)
        .where(_cadre_in_scope(scope))
    ).all()
    per_cadre: dict[int, list] = {}
    for cadre_id, unit, code, name, step, day in rows:
        entry = per_cadre.setdefault(cadre_id, [unit, code, name, None, None])
        if entry[3] is None or STEP_ORDER[step] > STEP_ORDER[entry[3]] or (step == entry[3] and day > entry[4]):
            entry[3], entry[4] = step, day
    return per_cadre


CADRE_STEP_COLUMNS = ["工作单位", "干部编号", "干部姓名", "当前处理", "日期"]


def cadres_at_steps(session: Session, scope: Scope) -> pd.DataFrame:
    """Every cadre with a recorded step, at their furthest step, by unit then step."""
    per_cadre = _latest_steps(session, scope)
    frame = pd.DataFrame([tuple(v) for v in per_cadre.values()], columns=CADRE_STEP_COLUMNS)
    if frame.empty:
        return frame
    frame["_order"] = frame["当前处理"].map(STEP_ORDER)
    return frame.sort_values(["工作单位", "_order", "干部编号"], ascending=[True, False, True]).drop(
        columns="_order").reset_index(drop=True)


def unit_step_counts(session: Session, scope: Scope) -> pd.DataFrame:
    """Per unit: how many cadres are at each step (their furthest)."""
    frame = cadres_at_steps(session, scope)
    columns = ["工作单位", *ACCOUNTABILITY_STEPS, "合计"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    table = frame.pivot_table(index="工作单位", columns="当前处理", values="干部编号", aggfunc="count", fill_value=0)
    table = table.reindex(columns=list(ACCOUNTABILITY_STEPS), fill_value=0)
    table["合计"] = table.sum(axis=1)
    return table.reset_index()[columns].sort_values(["合计", "工作单位"], ascending=[False, True])


def cadres_with_steps(session: Session, cadre_ids) -> set[int]:
    """The cadres among `cadre_ids` with any recorded step (the publicity guard asks)."""
    ids = list(cadre_ids)
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        found.update(session.scalars(select(func.distinct(AccountabilityStep.cadre_id))
                                     .where(AccountabilityStep.cadre_id.in_(ids[start:start + 500]))))
    return found
