"""Recording in the app (乡镇经办 / 单位联络员, permission `record_contacts`): a contact or a 满意度回访
on a pairing of the user's region, as the daily records of offices without anyone to build
workbooks. The same rules as the import's rows (IMPORT_FORMAT.md): a contact's date lies in its
pairing and not in the future, a 回访 is dated on or after the pairing's start; the entry time is
the moment it is saved (entry_source 平台录入). An identical record already stored (the import's
identity: pairing, date, method, content — or household, date, method for a 回访) is refused, so a
second click cannot store it twice. Each write is audited, marks the township's data freshness and
bumps the data version; the caller then refreshes the stored evaluation as after an import.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access import assessment_store, audit, daily_counts, db, freshness, gap_store, permissions, signals
from data_access.config import current_date
from data_access.models import Cadre, Contact, Household, Pairing, Satisfaction
from data_access.scope import Scope
from data_access.vocabulary import (
    CADRE_CAME_ANSWERS,
    ENTRY_IN_APP,
    METHODS,
    RETURN_VISIT_METHODS,
    SATISFACTION_LEVELS,
)

MAX_CONTENT = 2000


class RecordError(ValueError):
    """A record that cannot be stored; the message says why, in Chinese."""


@dataclass(frozen=True)
class Recorded:
    id: int
    kind: str  # 联系记录 / 满意度回访
    household: str
    cadre: str
    day: dt.date
    method: str
    entered_at: dt.datetime

    def sentence(self) -> str:
        return (f"已录入{self.kind}：户编号 {self.household}，干部 {self.cadre}，{self.day:%Y-%m-%d} {self.method}"
                f"（录入时间 {self.entered_at:%Y-%m-%d %H:%M}）。")


def _pairing(session: Session, pairing_id: int, actor: permissions.Actor) -> tuple[Pairing, Household, Cadre]:
    found = session.execute(
        select(Pairing, Household, Cadre).join(Household, Household.id == Pairing.household_id)
        .join(Cadre, Cadre.id == Pairing.cadre_id).where(Pairing.id == pairing_id)
    ).first()
    if found is None:
        raise RecordError("找不到该结对，可能已被删除，请刷新页面后重试")
    pairing, household, cadre = found
    permissions.check_record(actor, household.village_code, "该结对户")
    return pairing, household, cadre


def _clock(now: dt.datetime | None) -> tuple[dt.datetime, dt.date]:
    """The entry time (the moment of saving unless given) and the day counted as today."""
    if now is not None:
        return now.replace(microsecond=0), now.date()
    return dt.datetime.now().replace(microsecond=0), current_date()


def _day(day: dt.date, today: dt.date, label: str) -> dt.date:
    if day is None:
        raise RecordError(f"请填写{label}")
    if day > today:
        raise RecordError(f"{label} {day:%Y-%m-%d} 晚于今天，不能是将来的日期")
    return day


def _choice(value: str | None, choices: tuple[str, ...], label: str) -> str:
    if value not in choices:
        raise RecordError(f"{label}应为：{'、'.join(choices)}")
    return value


def _after_write(session: Session, actor: permissions.Actor, action: str, household: Household, target: str,
                 detail: dict, now: dt.datetime, status_inputs: bool, day: dt.date,
                 pairing_id: int | None = None) -> None:
    """Audit, freshness, and the derived data kept in this transaction: the stored evaluations (for a
    contact) and the stored 季考核 inputs of the quarters ended on or after `day` (the record's date;
    none when it is dated after every stored quarter)."""
    audit.record(session, actor.username, action, household.village_code, target, detail)
    freshness.mark(session, [household.village_code[:9]], now, ENTRY_IN_APP)
    from data_access.cases import evidence_store
    from data_access.policy import load_policy

    evidence_before = db.evidence_version(session)
    if not status_inputs:
        assessment_store.keep(session, [household.village_code], day)
        db.bump_version(session, status_inputs=False, assessment_inputs=False)
    else:  # refresh bumps the data version and status_version itself
        # the write path pays: the pairing's rows (and the kept figures) in every stored evaluation
        # are brought up to date in this transaction, the others stay valid, and today's is stored
        # once it commits if there was none (upkeep)
        from data_access import compliance, upkeep

        policy = load_policy(session)
        compliance.refresh_stored(session, [pairing_id], policy, assessment_kept=True)
        assessment_store.keep(session, [household.village_code], day, policy)  # after: it reads the evaluations
        upkeep.after_commit(session)
    # and 案例挖掘's stored evidence of the household's pairings (a contact or a survey of it)
    evidence_store.keep_household(session, household.id, evidence_before)


def add_contact(session: Session, pairing_id: int, day: dt.date, method: str, content: str | None = None,
                gift_yuan: object = None, *, actor: permissions.Actor, now: dt.datetime | None = None) -> Recorded:
    """Store one contact of the pairing, entered now."""
    permissions.check(actor, "record_contacts")
    db.claim_signal_writes(session)  # it refreshes the stored signals (signals.refresh_stored)
    now, today = _clock(now)
    pairing, household, cadre = _pairing(session, pairing_id, actor)
    day = _day(day, today, "联系日期")
    method = _choice(method, METHODS, "联系方式")
    if day < pairing.start_date or (pairing.end_date is not None and day >= pairing.end_date):
        until = f"至 {pairing.end_date:%Y-%m-%d}" if pairing.end_date else "至今"
        raise RecordError(f"联系日期 {day:%Y-%m-%d} 不在该结对期间（{pairing.start_date:%Y-%m-%d} {until}）内")
    content = (content or "").strip() or None
    if content and len(content) > MAX_CONTENT:
        raise RecordError(f"内容过长（最多 {MAX_CONTENT} 个字）")
    gift = None
    if gift_yuan not in (None, ""):
        try:
            gift = Decimal(str(gift_yuan)).quantize(Decimal("0.01"))
        except InvalidOperation:
            raise RecordError("慰问金额应为数字（元）") from None
        if gift < 0:
            raise RecordError("慰问金额不能小于 0")
        if gift == 0:
            gift = None
    same = session.execute(
        select(Contact.entered_at).where(Contact.pairing_id == pairing.id, Contact.contact_date == day,
                                         Contact.method == method,
                                         Contact.content.is_(None) if content is None else Contact.content == content)
    ).scalar()
    if same is not None:
        raise RecordError(f"这条联系记录已经录入过（录入时间 {same:%Y-%m-%d %H:%M}），没有重复保存")
    contact = Contact(pairing_id=pairing.id, contact_date=day, method=method, content=content, gift_yuan=gift,
                      entered_at=now, entry_source=ENTRY_IN_APP, entered_by=actor.username)
    session.add(contact)
    session.flush()
    _after_write(session, actor, "record_contact", household, f"联系记录 {household.code}/{cadre.code}",
                 {"contact_id": contact.id, "pairing_id": pairing.id, "date": day.isoformat(), "method": method,
                  "gift_yuan": str(gift) if gift is not None else None}, now, status_inputs=True, day=day,
                 pairing_id=pairing.id)
    # the county's count of that day (daily_counts), in this transaction like the evaluations
    daily_counts.keep(session, [household.village_code], contact_days=[day], coverage=False)
    # and the stored authenticity signals: the cadre's, and those of cadres with the same note text
    signals.refresh_stored(session, [cadre.id], [contact.note_key])
    gap_store.keep(session, ())  # a contact changes none of its items: carried over
    return Recorded(contact.id, "联系记录", household.code, cadre.name, day, method, now)


def add_return_visit(session: Session, pairing_id: int, day: dt.date, method: str, level: str,
                     cadre_came: str | None = None, visitor: str | None = None, note: str | None = None, *,
                     actor: permissions.Actor, now: dt.datetime | None = None) -> Recorded:
    """Store one 满意度回访 about the pairing's cadre, entered now."""
    permissions.check(actor, "record_contacts")
    db.claim_signal_writes(session)  # it refreshes the stored signals (signals.refresh_stored)
    now, today = _clock(now)
    pairing, household, cadre = _pairing(session, pairing_id, actor)
    day = _day(day, today, "回访日期")
    method = _choice(method, RETURN_VISIT_METHODS, "回访方式")
    level = _choice(level, SATISFACTION_LEVELS, "满意度")
    if cadre_came is not None:
        cadre_came = _choice(cadre_came, CADRE_CAME_ANSWERS, "干部是否上门")
    if day < pairing.start_date:
        raise RecordError(f"回访日期 {day:%Y-%m-%d} 早于结对开始日期（{pairing.start_date:%Y-%m-%d}）")
    visitor = (visitor or "").strip()[:60] or None
    note = (note or "").strip() or None
    same = session.execute(
        select(Satisfaction.entered_at).where(Satisfaction.household_id == household.id,
                                              Satisfaction.survey_date == day, Satisfaction.method == method)
    ).scalar()
    if same is not None:
        raise RecordError(f"该户 {day:%Y-%m-%d} 的{method}回访已经录入过（录入时间 {same:%Y-%m-%d %H:%M}），没有重复保存")
    visit = Satisfaction(household_id=household.id, pairing_id=pairing.id, cadre_id=cadre.id, survey_date=day,
                         method=method, visitor=visitor, level=level, cadre_came=cadre_came, note=note,
                         entered_at=now, entry_source=ENTRY_IN_APP, entered_by=actor.username)
    session.add(visit)
    session.flush()
    _after_write(session, actor, "record_return_visit", household, f"满意度回访 {household.code}/{cadre.code}",
                 {"satisfaction_id": visit.id, "pairing_id": pairing.id, "date": day.isoformat(), "method": method,
                  "level": level, "cadre_came": cadre_came}, now, status_inputs=False, day=day)
    signals.refresh_stored(session, [cadre.id])  # 回访不符 of the cadre, in the stored signals
    return Recorded(visit.id, "满意度回访", household.code, cadre.name, day, method, now)


def pairings_to_record(session: Session, scope: Scope, cadre_id: int, today: dt.date) -> list[tuple[int, str]]:
    """The cadre's pairings in `scope` (the user's own region) that a record can be about: active
    today or ended this year (a late entry), as (pairing id, label), active first."""
    rows = session.execute(
        select(Pairing.id, Household.code, Pairing.start_date, Pairing.end_date)
        .join(Household, Household.id == Pairing.household_id)
        .where(Pairing.cadre_id == cadre_id, scope.within(Household.village_code), Pairing.start_date <= today)
        .order_by(Pairing.end_date.is_not(None), Household.code, Pairing.start_date)
    ).all()
    out = []
    for pid, code, start, end in rows:
        if end is not None and end < dt.date(today.year, 1, 1):
            continue
        period = f"{start:%Y-%m-%d} 起" if end is None else f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}，已解除"
        out.append((pid, f"户编号 {code}（{period}）"))
    return out
