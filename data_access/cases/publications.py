"""The publication record: where and when a published case appeared (案例展示).

A case that is 已发布 may appear several times: 县融媒体, 微信公众号, 报纸, 电视 or 其他, each with its date,
its link (a full http/https address; optional, since print and television have none) and a note
(栏目、版面). Each appearance is one row, added by whoever manages or approves cases in the case's
region, audited ("case_publication"), never changed; the same channel, date and link twice is refused
(a second click records nothing).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access import audit, db, permissions
from data_access.cases.card import case_target
from data_access.cases.errors import CaseError, CaseNotFound
from data_access.cases.redaction import ID_PATTERN, LANDLINE_PATTERN, MOBILE_PATTERN
from data_access.models import CasePublication, Household, Pairing, TypicalCase
from data_access.scope import Scope
from data_access.vocabulary import CASE_PUBLISHED, PUBLICATION_CHANNELS

PUBLICATION_COLUMNS = ["发布渠道", "发布日期", "链接", "说明", "登记人", "登记时间"]
LINK_MAX_CHARS = 500  # the column's width


def check_link(link: str | None) -> str | None:
    """The link as stored (None when blank); refused unless a full http:// or https:// address."""
    link = (link or "").strip()
    if not link:
        return None
    parts = urlsplit(link)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(ch.isspace() for ch in link):
        raise CaseError(f"链接须为以 http:// 或 https:// 开头的完整网址（如 https://mp.weixin.qq.com/s/…），"
                        f"“{link[:80]}”不是")
    if len(link) > LINK_MAX_CHARS:
        raise CaseError(f"链接过长（{len(link)} 字符，最多 {LINK_MAX_CHARS}）")
    return link


def record_publication(session: Session, scope: Scope, today: dt.date, case_id: int, channel: str,
                       published_on: dt.date | None, link: str | None, note: str | None = None, *,
                       actor: permissions.Actor) -> int:
    """Record one appearance of published case `case_id` (inside `scope`); its id."""
    permissions.check_any(actor, ("manage_cases", "approve_cases"), scope)
    row = session.get(TypicalCase, case_id)
    household = session.get(Household, session.get(Pairing, row.pairing_id).household_id) if row else None
    if household is None or not scope.contains(household.village_code):
        raise CaseNotFound("未找到该案例，或不在您的管辖范围内")
    if row.status != CASE_PUBLISHED:
        raise CaseError(f"案例当前状态为“{row.status}”，发布后才能登记发布记录")
    if channel not in PUBLICATION_CHANNELS:
        raise CaseError(f"发布渠道须为{'、'.join(PUBLICATION_CHANNELS)}之一")
    if published_on is None:
        raise CaseError("请填写发布日期")
    if published_on > today:
        raise CaseError(f"发布日期 {published_on:%Y-%m-%d} 晚于今天，不能登记")
    if row.consent_date and published_on < row.consent_date:
        raise CaseError(f"发布日期 {published_on:%Y-%m-%d} 早于知情同意日期 {row.consent_date:%Y-%m-%d}，请核对")
    link = check_link(link)
    note = (note or "").strip()[:200] or None
    if note and (ID_PATTERN.search(note) or MOBILE_PATTERN.search(note) or LANDLINE_PATTERN.search(note)):
        raise CaseError("说明中含有身份证号或电话号码，请删除")
    same = session.scalar(select(CasePublication.id).where(
        CasePublication.case_id == case_id, CasePublication.channel == channel,
        CasePublication.published_on == published_on,
        CasePublication.link.is_(None) if link is None else CasePublication.link == link))
    if same is not None:
        raise CaseError(f"该案例 {published_on:%Y-%m-%d} 在{channel}的发布已登记过")
    entry = CasePublication(case_id=case_id, channel=channel, published_on=published_on, link=link, note=note,
                            recorded_by=actor.username, recorded_at=dt.datetime.now().replace(microsecond=0))
    session.add(entry)
    session.flush()
    audit.record(session, actor.username, "case_publication", household.village_code, case_target(case_id),
                 {"channel": channel, "published_on": published_on, "link": link, "note": note})
    db.bump_version(session, status_inputs=False, evidence_inputs=False, assessment_inputs=False, signal_inputs=False)
    return entry.id


def publications(session: Session, scope: Scope, case_ids) -> dict[int, pd.DataFrame]:
    """Each case's appearances (of `case_ids`, inside `scope`), newest first: PUBLICATION_COLUMNS."""
    ids = [int(i) for i in case_ids]
    found: dict[int, list] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(CasePublication.case_id, CasePublication.channel, CasePublication.published_on,
                   CasePublication.link, CasePublication.note, CasePublication.recorded_by,
                   CasePublication.recorded_at)
            .join(TypicalCase, TypicalCase.id == CasePublication.case_id)
            .join(Pairing, Pairing.id == TypicalCase.pairing_id)
            .join(Household, Household.id == Pairing.household_id)
            .where(CasePublication.case_id.in_(ids[start:start + 500]), scope.within(Household.village_code))
            .order_by(CasePublication.published_on.desc(), CasePublication.id.desc())
        ).all()
        for r in rows:
            found.setdefault(r.case_id, []).append((r.channel, r.published_on, r.link or "", r.note or "",
                                                    r.recorded_by, r.recorded_at))
    return {cid: pd.DataFrame(rows, columns=PUBLICATION_COLUMNS) for cid, rows in found.items()}
