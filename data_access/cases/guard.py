"""The publicity guard: a case is not held up as an example while its cadre is under inspection.

The guard holds for a case (its pairing's cadre) on a day D when the cadre
- is 滞后 or 失联 on D: the compliance rule (`compliance.pairing_status`), the worst over all the
  cadre's pairings active on D, wherever they lie (the cadre is the one held up);
- has a 督办 not answered on D: 待回应 (deadline not passed) or 逾期未回应 (`supervision`'s outcome);
- is at a step of the accountability chain (约谈, 通报批评 or 问责 recorded on them, the furthest shown).

While it holds, `workflow.approve` and `workflow.publish` refuse the case unless the actor may
`override_publicity_guard` (leaders, admins) and writes a reason; the override is audited
("publicity_override") with the findings, the reason and the step (审核 or 发布). Pages only show the
findings and the form. The three conditions are read here once, for many cadres at a time
(`_findings`): `publicity_guard` words them for one case, `guard_notes` briefly for a list's rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from data_access import supervision
from data_access.accountability import STEP_ORDER
from data_access.compliance.rule import pairing_status, status_label
from data_access.models import AccountabilityStep, Cadre, Pairing, SupervisionAction
from data_access.policy import Policy
from data_access.scope import EVERYWHERE
from data_access.vocabulary import ACTION_SUPERVISE, STATUS_ON_TRACK


@dataclass(frozen=True)
class PublicityGuard:
    cadre: str  # the cadre's name (a work identity, not a person cared for)
    day: dt.date
    findings: tuple[str, ...]  # each a Chinese clause; empty: nothing stands in the way
    brief: str = ""  # the findings in a few words ('失联；督办逾期未回应；已约谈'), for a list

    @property
    def holds(self) -> bool:
        return bool(self.findings)

    def sentence(self) -> str:
        """'截至 2026年12月03日，结对干部赵建国目前失联；有待回应的督办 1 件（…）'."""
        return f"截至 {self.day:%Y年%m月%d日}，结对干部{self.cadre}" + "；".join(self.findings)


def _chunks(ids: list[int], size: int = 500):
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def _findings(session: Session, cadre_ids, day: dt.date, policy: Policy) -> dict[int, tuple[list[str], list[str]]]:
    """cadre id -> (the findings worded in full, the same in brief), for the cadres that have any."""
    out: dict[int, tuple[list[str], list[str]]] = {}

    def put(cadre_id, full, brief):
        entry = out.setdefault(cadre_id, ([], []))
        entry[0].append(full)
        entry[1].append(brief)

    ids = sorted(set(cadre_ids))
    for chunk in _chunks(ids):
        rows = pairing_status(EVERYWHERE, day, policy)
        rows = rows.where(rows.selected_columns.cadre_id.in_(chunk)).subquery("pairing_status")
        lagging = case((or_(rows.c.is_behind == 1, rows.c.is_silent == 1), 1), else_=0)
        for cadre_id, active, behind, silent, lagged in session.execute(
                select(rows.c.cadre_id, func.count(), func.max(rows.c.is_behind), func.max(rows.c.is_silent),
                       func.coalesce(func.sum(lagging), 0)).group_by(rows.c.cadre_id)):
            status = status_label(bool(behind), bool(silent))
            if active and status != STATUS_ON_TRACK:
                put(cadre_id, f"目前{status}（在结对的 {active} 户中 {lagged} 户滞后或失联）", status)
    for outcome in (supervision.PENDING, supervision.UNANSWERED):
        found: dict[int, list] = {}
        for chunk in _chunks(ids):
            for row in session.execute(
                    select(SupervisionAction.cadre_id, SupervisionAction.batch_no, SupervisionAction.deadline)
                    .where(SupervisionAction.cadre_id.in_(chunk), SupervisionAction.kind == ACTION_SUPERVISE,
                           SupervisionAction.issued_date <= day, supervision.outcome_condition(outcome, day, policy))
                    .order_by(SupervisionAction.deadline, SupervisionAction.id)):
                found.setdefault(row.cadre_id, []).append(row)
        for cadre_id, rows in found.items():
            batches = "、".join(dict.fromkeys(r.batch_no or "—" for r in rows))
            put(cadre_id, f"有{outcome}的督办 {len(rows)} 件（批次 {batches}，回应期限 {rows[0].deadline:%Y年%m月%d日}"
                + ("起" if len(rows) > 1 else "") + "）", f"督办{outcome}")
    steps: dict[int, list] = {}
    for chunk in _chunks(ids):
        for row in session.execute(
                select(AccountabilityStep.cadre_id, AccountabilityStep.step, AccountabilityStep.step_date,
                       AccountabilityStep.doc_no)
                .where(AccountabilityStep.cadre_id.in_(chunk), AccountabilityStep.step_date <= day)):
            steps.setdefault(row.cadre_id, []).append(row)
    for cadre_id, rows in steps.items():
        furthest = max(rows, key=lambda r: (STEP_ORDER[r.step], r.step_date))
        doc = f"，文号 {furthest.doc_no}" if furthest.doc_no else ""
        put(cadre_id, f"已被{furthest.step}（{furthest.step_date:%Y年%m月%d日}{doc}）", f"已被{furthest.step}")
    return out


def publicity_guard(session: Session, pairing_id: int, day: dt.date, policy: Policy) -> PublicityGuard:
    """What stands in the way of holding up the cadre of `pairing_id` as an example on `day`."""
    cadre_id, name = session.execute(
        select(Cadre.id, Cadre.name).join(Pairing, Pairing.cadre_id == Cadre.id).where(Pairing.id == pairing_id)
    ).one()
    full, brief = _findings(session, [cadre_id], day, policy).get(cadre_id, ([], []))
    return PublicityGuard(name, day, tuple(full), "；".join(brief))


def guard_notes(session: Session, pairing_ids, day: dt.date, policy: Policy) -> dict[int, str]:
    """pairing id -> the guard's findings about its cadre on `day` in brief ('' when none), for a list
    of candidates (a page of them): staff see which cadres not to hold up before choosing a row."""
    ids = sorted({int(i) for i in pairing_ids})
    cadre_of: dict[int, int] = {}
    for chunk in _chunks(ids):
        cadre_of.update(session.execute(select(Pairing.id, Pairing.cadre_id).where(Pairing.id.in_(chunk))).all())
    found = _findings(session, cadre_of.values(), day, policy)
    return {pid: "；".join(found.get(cadre_id, ([], []))[1]) for pid, cadre_id in cadre_of.items()}
