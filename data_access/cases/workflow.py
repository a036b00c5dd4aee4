"""The vetting workflow 候选 → 入围 → 已同意 → 已审核 → 已发布 (or 未采用) and text edits, audited."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access import audit, db, permissions
from data_access.cases import fit
from data_access.cases.candidates import THEMES, fitting_themes, themes_of
from data_access.cases.card import case_target, locate
from data_access.cases.errors import CaseError, CaseNotFound
from data_access.cases.guard import publicity_guard
from data_access.cases.redaction import (
    ID_PATTERN,
    LANDLINE_PATTERN,
    MOBILE_PATTERN,
    HouseholdPersons,
    household_persons,
)
from data_access.cases.statuses import CONSENT_RELATIONS, EDITABLE_STATUSES, RELATION_GUARDIAN
from data_access.models import (
    Household,
    Pairing,
    TypicalCase,
    User,
)
from data_access.policy import Policy
from data_access.scope import Scope
from data_access.vocabulary import (
    CASE_APPROVED,
    CASE_CANDIDATE,
    CASE_CONSENTED,
    CASE_PUBLISHED,
    CASE_REJECTED,
    CASE_SHORTLISTED,
)


def _load(session: Session, scope: Scope, case_id: int) -> tuple[TypicalCase, Household]:
    row = session.get(TypicalCase, case_id, with_for_update=True)
    pairing = session.get(Pairing, row.pairing_id) if row else None
    household = session.get(Household, pairing.household_id) if pairing else None
    if household is None or not scope.contains(household.village_code):
        raise CaseNotFound("未找到该案例，或不在您的管辖范围内")
    return row, household


def _set_status(session: Session, username: str, row: TypicalCase, household: Household, new: str, **detail) -> str:
    old = row.status
    row.status = new
    row.updated_at = dt.datetime.now().replace(microsecond=0)
    audit.record(session, username, "case_status", household.village_code, case_target(row.id),
                 {"from": old, "to": new, **detail})
    db.bump_version(session, status_inputs=False, evidence_inputs=False, assessment_inputs=False, signal_inputs=False)
    return new


def _expect(row: TypicalCase, *statuses: str, doing: str) -> None:
    if row.status not in statuses:
        raise CaseError(f"案例当前状态为“{row.status}”，不能{doing}（须为：{'、'.join(statuses)}）")


def _house(session: Session, household: Household, today: dt.date, policy: Policy, alias: str | None = None):
    return household_persons(session, [household.id], today, policy, {household.id: alias})[household.id]


def _check_consent(row: TypicalCase, house: HouseholdPersons) -> None:
    if not (row.consent_by and row.consent_relation and row.consent_date):
        raise CaseError("该案例尚未登记知情同意，不能审核或发布")
    if house.involves_minor and row.consent_relation != RELATION_GUARDIAN:
        raise CaseError("该案例涉及未成年人，须登记监护人的知情同意")


def create_case(
    session: Session, scope: Scope, as_of: dt.date, policy: Policy, pairing_id: int, *, actor: permissions.Actor
) -> int:
    """Open a case (候选) on a pairing; its headline and story start as drafts from the records."""
    permissions.check(actor, "manage_cases", scope)
    username = actor.username
    pairing, household, existing = locate(session, scope, pairing_id, None)
    if existing is not None and existing.status != CASE_REJECTED:
        raise CaseError(f"该结对已有案例（编号 {existing.id}，状态“{existing.status}”）")
    house = _house(session, household, as_of, policy)
    themes = fitting_themes(themes_of(session, [pairing.id], pairing.start_date, as_of).get(pairing.id, ()),
                            house.persons[0] if house.persons else None, policy)
    now = dt.datetime.now().replace(microsecond=0)
    row = TypicalCase(pairing_id=pairing.id, status=CASE_CANDIDATE, theme=themes[0] if themes else None,
                      created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    audit.record(session, username, "case_status", household.village_code, case_target(row.id),
                 {"from": None, "to": CASE_CANDIDATE, "pairing_id": pairing.id})
    db.bump_version(session, status_inputs=False, evidence_inputs=False, assessment_inputs=False, signal_inputs=False)
    return row.id


def shortlist(session: Session, scope: Scope, case_id: int, *, actor: permissions.Actor) -> str:
    permissions.check(actor, "manage_cases", scope)
    username = actor.username
    row, household = _load(session, scope, case_id)
    _expect(row, CASE_CANDIDATE, doing="列为入围")
    return _set_status(session, username, row, household, CASE_SHORTLISTED)


def record_consent(
    session: Session,
    scope: Scope,
    today: dt.date,
    policy: Policy,
    case_id: int,
    given_by: str,
    relation: str,
    given_on: dt.date,
    consent_scope: str,
    *,
    actor: permissions.Actor,
) -> str:
    """Record who consented (本人 or 监护人), when and to what; a minor's case needs the guardian."""
    permissions.check(actor, "manage_cases", scope)
    username = actor.username
    row, household = _load(session, scope, case_id)
    _expect(row, CASE_SHORTLISTED, CASE_CONSENTED, doing="登记知情同意")
    given_by, consent_scope = (given_by or "").strip(), (consent_scope or "").strip()
    if not given_by:
        raise CaseError("请填写同意人姓名")
    if relation not in CONSENT_RELATIONS:
        raise CaseError("同意人身份须为“本人”或“监护人”")
    if given_on is None or given_on > today:
        raise CaseError("同意日期不能晚于今天")
    if not consent_scope:
        raise CaseError("请填写同意的使用范围（如：县融媒体中心公众号、宣传展板）")
    if _house(session, household, today, policy).involves_minor and relation != RELATION_GUARDIAN:
        raise CaseError("该案例涉及未成年人，须由监护人同意")
    row.consent_by, row.consent_relation, row.consent_date, row.consent_scope = (
        given_by, relation, given_on, consent_scope
    )
    return _set_status(session, username, row, household, CASE_CONSENTED,
                       relation=relation, consent_date=given_on, consent_scope=consent_scope)


def _guard(session: Session, row: TypicalCase, household: Household, today: dt.date, policy: Policy,
           username: str, reason: str, step: str) -> None:
    """The publicity guard at `step` (审核 or 发布): refused while it holds unless `reason` is given
    (the caller has checked the actor may override); an override is audited with the findings."""
    found = publicity_guard(session, row.pairing_id, today, policy)
    if found.holds and not reason:
        raise CaseError(f"{found.sentence()}。该案例暂不能{'审核通过' if step == '审核' else step}；"
                        f"确需{step}的，须由领导说明理由")
    if found.holds:
        audit.record(session, username, "publicity_override", household.village_code, case_target(row.id),
                     {"cadre": found.cadre, "day": found.day, "findings": list(found.findings), "why": reason,
                      "step": step})


def _override_reason(actor: permissions.Actor, scope: Scope, override_reason: str | None) -> str:
    reason = (override_reason or "").strip()
    if reason:
        permissions.check(actor, "override_publicity_guard", scope)
    return reason


def approve(session: Session, scope: Scope, today: dt.date, policy: Policy, case_id: int, *,
            actor: permissions.Actor, override_reason: str | None = None) -> str:
    """A leader approves a consented case; nothing without recorded (guardian's, for a minor) consent.
    While the publicity guard holds for the case's cadre on `today` (see guard), refused unless the
    actor may `override_publicity_guard` and gives `override_reason` (audited with the findings)."""
    permissions.check(actor, "approve_cases", scope)
    reason = _override_reason(actor, scope, override_reason)
    username = actor.username
    row, household = _load(session, scope, case_id)
    _check_consent(row, _house(session, household, today, policy))
    _expect(row, CASE_CONSENTED, doing="审核通过")
    _guard(session, row, household, today, policy, username, reason, "审核")
    user_id = session.execute(select(User.id).where(User.username == username)).scalar()
    row.approved_by = user_id
    return _set_status(session, username, row, household, CASE_APPROVED)


def publish(session: Session, scope: Scope, today: dt.date, policy: Policy, case_id: int, *,
            actor: permissions.Actor, override_reason: str | None = None) -> str:
    """Publish an approved case: guarded like `approve` on `today` (the cadre may have fallen behind,
    drawn a 督办 or a step of the chain since the approval), with the same override."""
    permissions.check(actor, "approve_cases", scope)
    reason = _override_reason(actor, scope, override_reason)
    username = actor.username
    row, household = _load(session, scope, case_id)
    _check_consent(row, _house(session, household, today, policy))
    _expect(row, CASE_APPROVED, doing="发布")
    _guard(session, row, household, today, policy, username, reason, "发布")
    return _set_status(session, username, row, household, CASE_PUBLISHED)


def reject(session: Session, scope: Scope, case_id: int, reason: str, *, actor: permissions.Actor) -> str:
    """未采用 (or withdrawn after publication), always with a reason: by whoever may manage or approve cases."""
    permissions.check_any(actor, ("manage_cases", "approve_cases"), scope)
    username = actor.username
    row, household = _load(session, scope, case_id)
    _expect(row, CASE_CANDIDATE, CASE_SHORTLISTED, CASE_CONSENTED, CASE_APPROVED, CASE_PUBLISHED, doing="标为未采用")
    reason = (reason or "").strip()
    if not reason:
        raise CaseError("标为未采用须填写原因")
    row.reject_reason = reason
    return _set_status(session, username, row, household, CASE_REJECTED, reason=reason)


def reopen(session: Session, scope: Scope, case_id: int, *, actor: permissions.Actor) -> str:
    permissions.check(actor, "manage_cases", scope)
    username = actor.username
    row, household = _load(session, scope, case_id)
    _expect(row, CASE_REJECTED, doing="重新列为候选")
    row.reject_reason = None
    return _set_status(session, username, row, household, CASE_CANDIDATE)


def _check_text(house: HouseholdPersons, text: str, what: str) -> None:
    if any(real in text for real, _ in house.replacements):
        raise CaseError(f"{what}中含有结对户成员或监护人的真实姓名，请改用化名")
    if ID_PATTERN.search(text) or MOBILE_PATTERN.search(text) or LANDLINE_PATTERN.search(text):
        raise CaseError(f"{what}中含有身份证号或电话号码，请删除")


def edit_case(
    session: Session,
    scope: Scope,
    today: dt.date,
    policy: Policy,
    case_id: int,
    headline: str,
    narrative: str,
    alias: str,
    theme: str,
    *,
    actor: permissions.Actor,
) -> list[str]:
    """Change the case's own text (headline, narrative, alias, theme) — never the records.
    Returns the names of the fields changed (empty: nothing to save)."""
    permissions.check(actor, "manage_cases", scope)
    username = actor.username
    row, household = _load(session, scope, case_id)
    _expect(row, *EDITABLE_STATUSES, doing="修改文字（已审核、已发布或未采用的案例不能再改）")
    house = _house(session, household, today, policy)
    values = {
        "headline": (headline or "").strip() or None,
        "narrative": (narrative or "").strip() or None,
        "alias": (alias or "").strip() or None,
        "theme": (theme or "").strip() or None,
    }
    labels = {"headline": "标题", "narrative": "正文", "alias": "化名", "theme": "主题"}
    for key in ("headline", "narrative", "alias"):
        if values[key]:
            _check_text(house, values[key], labels[key])
    if values["headline"] and len(values["headline"]) > 200:
        raise CaseError("标题不能超过 200 字")
    if values["alias"] and len(values["alias"]) > 50:
        raise CaseError("化名不能超过 50 字")
    if values["theme"] and values["theme"] not in THEMES and values["theme"] != row.theme:
        raise CaseError(f"未知的案例主题“{values['theme']}”")
    if values["theme"] and values["theme"] != row.theme and house.persons:
        person = house.persons[0]
        if reason := fit.misfit_reason(values["theme"], person.age, person.group, policy):
            raise CaseError(reason)
    changed = [key for key, value in values.items() if getattr(row, key) != value]
    if not changed:
        return []
    for key in changed:
        setattr(row, key, values[key])
    row.updated_at = dt.datetime.now().replace(microsecond=0)
    audit.record(session, username, "case_edit", household.village_code, case_target(row.id),
                 {"fields": [labels[k] for k in changed]})
    db.bump_version(session, status_inputs=False, evidence_inputs=False, assessment_inputs=False, signal_inputs=False)
    return [labels[k] for k in changed]
