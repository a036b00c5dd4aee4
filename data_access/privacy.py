"""The deliberate reveal of one record's personal data (full ID number, phone, name).

Everything else masks (masking.py). Only a role with the "reveal" permission (admin, leader) may
reveal, one record at a time, inside its region scope, stating why; each reveal is written to the
audit log ("reveal") with the record touched, in the same transaction as the read.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from data_access import audit
from data_access.masking import mask_name
from data_access.models import Cadre, Household, Pairing, Person, Unit
from data_access.permissions import Actor, check
from data_access.scope import ScopeError

KINDS = {"person": "关爱对象", "cadre": "结对干部"}


@dataclass(frozen=True)
class Revealed:
    kind: str  # person / cadre
    name: str
    id_number: str  # "" for a cadre (not stored)
    phone: str


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("请填写查看事由")
    return reason[:200]


def reveal_person(session: Session, person_id: int, reason: str, *, actor: Actor) -> Revealed:
    """One person's full name, ID number and phone, for a stated reason, inside the actor's region; audited."""
    check(actor, "reveal")
    scope, username = actor.scope, actor.username
    why = _reason(reason)
    row = session.execute(
        select(Person.name, Person.id_number, Person.phone, Person.village_code)
        .where(Person.id == person_id, scope.within(Person.village_code))
    ).first()
    if row is None:
        raise ScopeError(f"person {person_id}")
    audit.record(session, username, "reveal", row.village_code, f"关爱对象 {mask_name(row.name)}（编号 {person_id}）",
                 {"fields": ["姓名", "身份证号", "电话"], "why": why})
    return Revealed("person", row.name, row.id_number, row.phone or "")


def reveal_cadre(session: Session, cadre_id: int, reason: str, *, actor: Actor) -> Revealed:
    """A cadre's phone, for a stated reason. A cadre is inside the actor's region when their unit is, or
    when they are paired with a household there; audited."""
    check(actor, "reveal")
    scope, username = actor.scope, actor.username
    why = _reason(reason)
    paired_here = (
        select(Pairing.id)
        .join(Household, Household.id == Pairing.household_id)
        .where(Pairing.cadre_id == Cadre.id, scope.within(Household.village_code))
        .exists()
    )
    row = session.execute(
        select(Cadre.name, Cadre.phone, Unit.region_code)
        .join(Unit, Unit.id == Cadre.unit_id)
        .where(Cadre.id == cadre_id, or_(scope.within(Unit.region_code), paired_here))
    ).first()
    if row is None:
        raise ScopeError(f"cadre {cadre_id}")
    audit.record(session, username, "reveal", row.region_code, f"结对干部 {row.name}（编号 {cadre_id}）",
                 {"fields": ["电话"], "why": why})
    return Revealed("cadre", row.name, "", row.phone or "")


REVEAL = {"person": reveal_person, "cadre": reveal_cadre}
