"""The case card: one pairing's or case's story, timeline and figures, with persons by alias only."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from dataclasses import replace as dataclass_replace

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from data_access import compliance, masking
from data_access.cases.candidates import belongs_to_pairing, fitting_themes, latest_cases, themes_of
from data_access.cases.errors import CaseNotFound
from data_access.cases.redaction import HouseholdPersons, PersonView, household_persons
from data_access.models import (
    AuditEntry,
    Cadre,
    Contact,
    HolidayDay,
    Household,
    Need,
    NeedEvent,
    Pairing,
    Person,
    PolicyDelivery,
    Region,
    Satisfaction,
    TypicalCase,
    Unit,
    User,
)
from data_access.policy import Policy
from data_access.scope import Scope
from data_access.vocabulary import (
    CASE_APPROVED,
    CASE_PUBLISHED,
    METHOD_VISIT,
)


@dataclass(frozen=True)
class CaseInfo:
    id: int
    status: str
    headline: str
    narrative: str
    theme: str
    alias: str
    consent_by: str  # masked (张*明)
    consent_relation: str
    consent_date: dt.date | None
    consent_scope: str
    reject_reason: str
    approved_by: str
    approved_at: dt.datetime | None
    updated_at: dt.datetime | None
    override_reason: str = ""  # approved or published over the publicity guard: the leader's reason (redacted)
    override_step: str = ""  # the step of the latest override: 审核 or 发布

    @property
    def has_consent(self) -> bool:
        return bool(self.consent_by and self.consent_relation and self.consent_date)


@dataclass(frozen=True)
class CaseCard:
    pairing_id: int
    cadre: str
    cadre_rank: str
    unit: str
    role: str
    start_date: dt.date
    end_date: dt.date | None
    township: str
    village: str
    persons: tuple[PersonView, ...]
    involves_minor: bool
    themes: tuple[str, ...]
    facts: tuple[tuple[str, str], ...]
    timeline: pd.DataFrame  # 日期, 事项, 内容, 慰问(元)
    changes: tuple[str, ...]
    gifts_yuan: float
    gift_count: int
    story: str  # the case narrative, or a draft assembled from the records
    case: CaseInfo | None

    @property
    def who(self) -> str:
        return "、".join(p.label for p in self.persons) or "—"

    @property
    def headline(self) -> str:
        if self.case and self.case.headline:
            return self.case.headline
        first = self.persons[0].alias if self.persons else "结对户"
        return f"{self.unit}{self.cadre}：{first}的{self.role}"


TIMELINE_COLUMNS = ["日期", "事项", "内容", "慰问(元)"]


TIMELINE_LIMIT = 200


def locate(session: Session, scope: Scope, pairing_id: int | None, case_id: int | None):
    """(pairing, household, case or None), refused when outside `scope`."""
    found = session.get(TypicalCase, case_id) if case_id is not None else None
    if case_id is not None and found is None:
        raise CaseNotFound("未找到该案例，或不在您的管辖范围内")
    pairing = session.get(Pairing, found.pairing_id if found else pairing_id)
    household = session.get(Household, pairing.household_id) if pairing else None
    if household is None or not scope.contains(household.village_code):
        raise CaseNotFound("未找到该案例，或不在您的管辖范围内")
    if found is None:
        found = latest_cases(session, [pairing.id]).get(pairing.id)
    return pairing, household, found


def case_card(
    session: Session,
    scope: Scope,
    as_of: dt.date,
    policy: Policy,
    pairing_id: int | None = None,
    case_id: int | None = None,
) -> CaseCard:
    """The story of one pairing (or of one case's pairing) from its records as of `as_of`."""
    pairing, household, found = locate(session, scope, pairing_id, case_id)
    house = household_persons(session, [household.id], as_of, policy, {household.id: found.alias if found else None})[
        household.id
    ]
    cadre = session.get(Cadre, pairing.cadre_id)
    unit = session.get(Unit, cadre.unit_id)
    village = session.get(Region, household.village_code)
    township = session.get(Region, village.parent_code) if village and village.parent_code else None
    start = pairing.start_date
    pair_end = min(as_of, pairing.end_date - dt.timedelta(days=1)) if pairing.end_date else as_of
    themes = fitting_themes(themes_of(session, [pairing.id], start, pair_end).get(pairing.id, ()),
                            house.persons[0] if house.persons else None, policy)

    contacts = session.execute(
        select(Contact.contact_date, Contact.method, Contact.content, Contact.gift_yuan)
        .where(Contact.pairing_id == pairing.id, Contact.contact_date <= as_of)
        .order_by(Contact.contact_date.desc(), Contact.id.desc())
        .limit(TIMELINE_LIMIT)
    ).all()
    totals = session.execute(
        select(
            func.count(Contact.id),
            func.coalesce(func.sum(case((Contact.method == METHOD_VISIT, 1), else_=0)), 0),
            func.coalesce(func.sum(Contact.gift_yuan), 0),
            func.coalesce(func.sum(case((Contact.gift_yuan > 0, 1), else_=0)), 0),
        ).where(Contact.pairing_id == pairing.id, Contact.contact_date <= as_of)
    ).one()
    holidays = session.execute(
        select(HolidayDay.name, HolidayDay.day)
        .join(Contact, Contact.contact_date == HolidayDay.day)
        .where(Contact.pairing_id == pairing.id, Contact.contact_date <= as_of)
        .distinct()
        .order_by(HolidayDay.day)
    ).all()
    needs = session.scalars(
        select(Need)
        .where(belongs_to_pairing(Need, pairing.id, household.id, start, Need.raised_date), Need.raised_date <= as_of)
        .order_by(Need.raised_date, Need.id)
    ).all()
    events = session.execute(
        select(NeedEvent.need_id, NeedEvent.event_date, NeedEvent.kind, NeedEvent.level, NeedEvent.note)
        .where(NeedEvent.need_id.in_([n.id for n in needs]), NeedEvent.event_date <= as_of, NeedEvent.kind == "上报")
        .order_by(NeedEvent.event_date, NeedEvent.id)
    ).all() if needs else []
    policies = session.execute(
        select(PolicyDelivery.policy, PolicyDelivery.delivered_date)
        .join(Person, Person.id == PolicyDelivery.person_id)
        .where(
            Person.household_id == household.id,
            PolicyDelivery.delivered.is_(True),
            PolicyDelivery.delivered_date >= start,
            PolicyDelivery.delivered_date <= as_of,
        )
        .order_by(PolicyDelivery.delivered_date, PolicyDelivery.id)
    ).all()
    surveys = session.execute(
        select(Satisfaction.survey_date, Satisfaction.level, Satisfaction.note)
        .where(
            belongs_to_pairing(Satisfaction, pairing.id, household.id, start, Satisfaction.survey_date),
            Satisfaction.survey_date <= as_of,
        )
        .order_by(Satisfaction.survey_date, Satisfaction.id)
    ).all()
    figures = _status_of(session, scope.narrow(household.village_code), as_of, policy, pairing.id)

    timeline: list[tuple] = []
    for day, method, content, gift in contacts:
        timeline.append((day, 0, method, house.redact(content), float(gift) if gift else None))
    category_of = {n.id: n.category for n in needs}
    closed = [n for n in needs if n.closed_date and n.closed_date <= as_of]
    for need in needs:
        timeline.append((need.raised_date, 1, f"提出诉求（{need.category}）", house.redact(need.content), None))
    for need_id, day, _kind, level, note in events:
        text = f"上报至{level}" + (f"：{house.redact(note)}" if note else "")
        timeline.append((day, 2, f"诉求上报（{category_of[need_id]}）", text, None))
    for need in closed:
        timeline.append(
            (need.closed_date, 3, f"诉求办结（{need.category}）", house.redact(need.closure_note or need.content), None)
        )
    for name, day in policies:
        timeline.append((day, 4, "政策落实", f"落实{name}", None))
    for day, level, note in surveys:
        timeline.append((day, 5, "群众评价", level + (f"：{house.redact(note)}" if note else ""), None))
    timeline.sort(key=lambda item: (item[0], item[1]))
    frame = pd.DataFrame([(d, kind, text, gift) for d, _, kind, text, gift in timeline], columns=TIMELINE_COLUMNS)

    changes = [
        f"{n.closed_date:%Y年%m月%d日}，{n.category}方面的诉求办结（用时 {(n.closed_date - n.raised_date).days} 天）："
        f"{house.redact(n.closure_note or n.content)}"
        for n in closed
    ]
    changes += [f"{day:%Y年%m月%d日}，落实{name}" for name, day in policies]
    if surveys:
        last_day, last_level, _ = surveys[-1]
        changes.append(f"{last_day:%Y年%m月%d日}回访，结对户评价“{last_level}”")

    contacts_total, visits_total, gifts_yuan, gift_count = (int(totals[0]), int(totals[1]),
                                                            float(totals[2] or 0), int(totals[3]))
    solve_days = [(n.closed_date - n.raised_date).days for n in closed]
    facts = [
        ("结对关系", f"{pairing.role}，{start:%Y年%m月%d日}起" + (f"，{pairing.end_date:%Y年%m月%d日}解除"
                                                              if pairing.end_date else "")),
        ("累计联系", f"{contacts_total} 次（其中实地走访 {visits_total} 次）"),
    ]
    if figures is not None:
        facts.append(
            ("本年度联系走访", f"联系 {figures['done_contacts']} 次（应 {figures['owed_contacts']} 次），"
                               f"走访 {figures['done_visits']} 次（应 {figures['owed_visits']} 次）")
        )
    if holidays:
        facts.append(("节日联系", "、".join(dict.fromkeys(f"{d.year}年{name}" for name, d in holidays))))
    facts.append(
        ("办结诉求", f"{len(closed)} 件" + (f"，平均 {sum(solve_days) / len(solve_days):.0f} 天办结" if closed else ""))
    )
    facts.append(("新落实政策", "、".join(name for name, _ in policies) if policies else "无"))
    facts.append(("慰问金物", f"{gifts_yuan:,.0f} 元（{gift_count} 次）"))
    if surveys:
        facts.append(("群众评价", f"{surveys[-1][1]}（{surveys[-1][0]:%Y年%m月%d日}回访）"))

    info = _case_info(session, found, house) if found else None
    card = CaseCard(
        pairing_id=pairing.id,
        cadre=cadre.name,
        cadre_rank=cadre.rank,
        unit=unit.name if unit else "—",
        role=pairing.role,
        start_date=start,
        end_date=pairing.end_date,
        township=township.name if township else "—",
        village=village.name if village else "—",
        persons=tuple(house.persons),
        involves_minor=house.involves_minor,
        themes=themes,
        facts=tuple(facts),
        timeline=frame,
        changes=tuple(changes),
        gifts_yuan=gifts_yuan,
        gift_count=gift_count,
        story="",
        case=info,
    )
    story = house.redact(info.narrative) if info and info.narrative else draft_story(card, contacts_total,
                                                                                       visits_total, closed, policies)
    return dataclass_replace(card, story=story)


def _status_of(session: Session, scope: Scope, as_of: dt.date, policy: Policy, pairing_id: int) -> dict | None:
    """The RULES.md figures of one pairing on `as_of` (None when it is not active that day); pass the
    scope of its village so the rule runs over that village only."""
    ps = compliance.pairing_status(scope, as_of, policy).subquery("ps")
    row = session.execute(select(ps).where(ps.c.pairing_id == pairing_id)).first()
    return dict(row._mapping) if row else None


def case_target(case_id: int) -> str:
    return f"典型案例#{case_id}"


def _case_info(session: Session, row: TypicalCase, house: HouseholdPersons) -> CaseInfo:
    approval = session.execute(
        select(AuditEntry.at, AuditEntry.username)
        .where(
            AuditEntry.action == "case_status",
            AuditEntry.target == case_target(row.id),
            AuditEntry.detail.contains(f'"to": "{CASE_APPROVED}"'),
        )
        .order_by(AuditEntry.id.desc())
        .limit(1)
    ).first()
    approved = row.status in (CASE_APPROVED, CASE_PUBLISHED)
    override = session.scalar(
        select(AuditEntry.detail).where(AuditEntry.action == "publicity_override",
                                        AuditEntry.target == case_target(row.id))
        .order_by(AuditEntry.id.desc()).limit(1)
    ) if approved else None
    approver = session.get(User, row.approved_by) if row.approved_by else None
    approved_by = (approver.display_name or approver.username) if approver else (approval[1] if approval else "")
    return CaseInfo(
        id=row.id,
        status=row.status,
        headline=house.redact(row.headline),
        narrative=house.redact(row.narrative),
        theme=row.theme or "",
        alias=row.alias or "",
        consent_by=masking.mask_name(row.consent_by),
        consent_relation=row.consent_relation or "",
        consent_date=row.consent_date,
        consent_scope=house.redact(row.consent_scope),
        reject_reason=house.redact(row.reject_reason),
        approved_by=approved_by if row.status in (CASE_APPROVED, CASE_PUBLISHED) else "",
        approved_at=approval[0] if approval and row.status in (CASE_APPROVED, CASE_PUBLISHED) else None,
        updated_at=row.updated_at,
        override_reason=house.redact(json.loads(override).get("why", "")) if override else "",
        override_step=json.loads(override).get("step", "审核") if override else "",
    )


def draft_story(card: CaseCard, contacts: int, visits: int, closed: list[Need], policies: list) -> str:
    """A first draft of the narrative, assembled from the records (staff then edit it)."""
    first = card.persons[0] if card.persons else None
    whom = f"{first.alias}（{first.age}岁，{first.group}）" if first else "结对户"
    parts = [
        f"{card.start_date:%Y年%m月}起，{card.unit}{card.cadre}作为“{card.role}”与{card.township}{card.village}的"
        f"{whom}结对。"
    ]
    if contacts:
        parts.append(f"截至目前累计联系 {contacts} 次，其中登门走访 {visits} 次。")
    if closed:
        categories = "、".join(dict.fromkeys(n.category for n in closed))
        parts.append(f"帮助解决{categories}等方面的实际困难 {len(closed)} 件。")
    if policies:
        parts.append(f"协助落实{'、'.join(name for name, _ in policies)}。")
    if card.gift_count:
        parts.append(f"自费送去慰问金物 {card.gifts_yuan:,.0f} 元。")
    if card.changes:
        parts.append(card.changes[-1] + "。")
    return "".join(parts)
