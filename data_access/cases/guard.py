"""The publicity guard: a case is not held up as an example while its cadre is under inspection.

The guard holds for a case (its pairing's cadre) on a day D when the cadre
- is 滞后 or 失联 on D: the compliance rule (`compliance.cadre_standing`), the worst over all the
  cadre's pairings active on D, wherever they lie (the cadre is the one held up);
- has a 督办 not answered on D: 待回应 (deadline not passed) or 逾期未回应 (`supervision`'s outcome);
- is at a step of the accountability chain (约谈, 通报批评 or 问责 recorded on them, the furthest shown).

While it holds, `workflow.approve` refuses the case unless the approver may
`override_publicity_guard` (leaders, admins) and writes a reason; the override is audited
("publicity_override") with the findings and the reason. Pages only show the findings and the form.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access import compliance, supervision
from data_access.accountability import STEP_ORDER
from data_access.models import AccountabilityStep, Cadre, Pairing, SupervisionAction
from data_access.policy import Policy
from data_access.scope import EVERYWHERE
from data_access.vocabulary import ACTION_SUPERVISE, STATUS_ON_TRACK


@dataclass(frozen=True)
class PublicityGuard:
    cadre: str  # the cadre's name (a work identity, not a person cared for)
    day: dt.date
    findings: tuple[str, ...]  # each a Chinese clause; empty: nothing stands in the way

    @property
    def holds(self) -> bool:
        return bool(self.findings)

    def sentence(self) -> str:
        """'截至 2026年12月03日，结对干部赵建国目前失联；有待回应的督办 1 件（…）'."""
        return f"截至 {self.day:%Y年%m月%d日}，结对干部{self.cadre}" + "；".join(self.findings)


def _open_supervision(session: Session, cadre_id: int, day: dt.date, policy: Policy) -> list[str]:
    found = []
    for outcome in (supervision.PENDING, supervision.UNANSWERED):
        rows = session.execute(
            select(SupervisionAction.batch_no, SupervisionAction.deadline)
            .where(SupervisionAction.cadre_id == cadre_id, SupervisionAction.kind == ACTION_SUPERVISE,
                   SupervisionAction.issued_date <= day, supervision.outcome_condition(outcome, day, policy))
            .order_by(SupervisionAction.deadline, SupervisionAction.id)
        ).all()
        if rows:
            batches = "、".join(dict.fromkeys(r.batch_no or "—" for r in rows))
            found.append(f"有{outcome}的督办 {len(rows)} 件（批次 {batches}，回应期限 {rows[0].deadline:%Y年%m月%d日}"
                         + ("起" if len(rows) > 1 else "") + "）")
    return found


def _chain_step(session: Session, cadre_id: int, day: dt.date) -> list[str]:
    steps = session.execute(
        select(AccountabilityStep.step, AccountabilityStep.step_date, AccountabilityStep.doc_no)
        .where(AccountabilityStep.cadre_id == cadre_id, AccountabilityStep.step_date <= day)
    ).all()
    if not steps:
        return []
    furthest = max(steps, key=lambda r: (STEP_ORDER[r.step], r.step_date))
    doc = f"，文号 {furthest.doc_no}" if furthest.doc_no else ""
    return [f"已被{furthest.step}（{furthest.step_date:%Y年%m月%d日}{doc}）"]


def publicity_guard(session: Session, pairing_id: int, day: dt.date, policy: Policy) -> PublicityGuard:
    """What stands in the way of holding up the cadre of `pairing_id` as an example on `day`."""
    cadre_id, name = session.execute(
        select(Cadre.id, Cadre.name).join(Pairing, Pairing.cadre_id == Cadre.id).where(Pairing.id == pairing_id)
    ).one()
    findings = []
    standing = compliance.cadre_standing(session, EVERYWHERE, day, policy, cadre_id)
    if standing.active and standing.status != STATUS_ON_TRACK:
        findings.append(f"目前{standing.status}（在结对的 {standing.active} 户中 {standing.lagging} 户滞后或失联）")
    findings += _open_supervision(session, cadre_id, day, policy)
    findings += _chain_step(session, cadre_id, day)
    return PublicityGuard(name, day, tuple(findings))
