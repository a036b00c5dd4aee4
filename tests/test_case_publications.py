"""The publication record of 案例展示: where and when a published case appeared, several per case,
each audited; only a published case, a real date, a full http/https link; a second identical click
records nothing; a region's staff reach only their region's cases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from data_access import audit, cases
from data_access.db import session_scope
from data_access.models import AuditEntry, CasePublication
from data_access.permissions import Actor, PermissionDenied
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope
from tests import builders as b
from tests import case_scenario as sc

TODAY = dt.date(2026, 1, 15)
PUB, LEADER = Actor("pub", "publicity"), Actor("lead", "leader")
LINK = "https://mp.weixin.qq.com/s/Xh2026case"


@pytest.fixture
def published(db_url):
    """P1's case published (its cadre was on track at the scenario's year end), P2's shortlisted."""
    with session_scope(db_url) as s:
        ids = sc.build(s)
        case_id = cases.create_case(s, EVERYWHERE, sc.AS_OF, Policy(), ids.p1, actor=PUB)
        cases.shortlist(s, EVERYWHERE, case_id, actor=PUB)
        cases.record_consent(s, EVERYWHERE, sc.AS_OF, Policy(), case_id, sc.GUARDIAN_NAME, "监护人",
                             dt.date(2025, 12, 20), "县融媒体中心公众号", actor=PUB)
        cases.approve(s, EVERYWHERE, sc.AS_OF, Policy(), case_id, actor=LEADER)
        cases.publish(s, EVERYWHERE, sc.AS_OF, Policy(), case_id, actor=LEADER)
        other = cases.create_case(s, EVERYWHERE, sc.AS_OF, Policy(), ids.p2, actor=PUB)
        cases.shortlist(s, EVERYWHERE, other, actor=PUB)
    return db_url, case_id, other


def record(url, case_id, channel="微信公众号", day=dt.date(2026, 1, 5), link=LINK, note="", actor=PUB):
    with session_scope(url) as s:
        return cases.record_publication(s, EVERYWHERE, TODAY, case_id, channel, day, link, note, actor=actor)


def test_several_appearances_are_listed_newest_first_and_audited(published):
    url, case_id, _ = published
    record(url, case_id, "微信公众号", dt.date(2026, 1, 5), LINK, "西和发布")
    record(url, case_id, "报纸", dt.date(2026, 1, 9), "", "陇南日报第3版", actor=LEADER)
    with session_scope(url) as s:
        listed = cases.publications(s, EVERYWHERE, [case_id])[case_id]
        entries = s.execute(select(AuditEntry.username, AuditEntry.detail).where(
            AuditEntry.action == "case_publication").order_by(AuditEntry.id)).all()
    assert list(listed.columns) == cases.PUBLICATION_COLUMNS
    assert listed[["发布渠道", "发布日期", "链接", "说明", "登记人"]].values.tolist() == [
        ["报纸", dt.date(2026, 1, 9), "", "陇南日报第3版", "lead"],
        ["微信公众号", dt.date(2026, 1, 5), LINK, "西和发布", "pub"],
    ]
    assert [(user, audit.describe(detail, "case_publication")) for user, detail in entries] == [
        ("pub", f"登记案例发布：2026-01-05 在微信公众号发布，链接 {LINK}（西和发布）"),
        ("lead", "登记案例发布：2026-01-09 在报纸发布（陇南日报第3版）"),
    ]


@pytest.mark.parametrize("link", ["www.xihe.gov.cn/case/1", "ftp://xihe.gov.cn/a", "javascript:alert(1)",
                                  "https://", "https://xihe.gov.cn/a b"])
def test_a_link_that_is_not_a_full_web_address_is_refused_in_chinese(published, link):
    url, case_id, _ = published
    with pytest.raises(cases.CaseError, match="链接须为以 http:// 或 https:// 开头的完整网址"):
        record(url, case_id, link=link)
    with session_scope(url) as s:
        assert s.scalar(select(func.count()).select_from(CasePublication)) == 0


def test_what_is_refused(published):
    url, case_id, shortlisted = published
    with pytest.raises(cases.CaseError, match="发布后才能登记发布记录"):
        record(url, shortlisted)
    with pytest.raises(cases.CaseError, match="晚于今天"):
        record(url, case_id, day=TODAY + dt.timedelta(days=1))
    with pytest.raises(cases.CaseError, match="早于知情同意日期"):
        record(url, case_id, day=dt.date(2025, 12, 1))
    with pytest.raises(cases.CaseError, match="发布渠道须为"):
        record(url, case_id, channel="抖音号")
    with pytest.raises(cases.CaseError, match="身份证号或电话号码"):
        record(url, case_id, note=f"联系电话{sc.GUARDIAN_PHONE}")
    with pytest.raises(PermissionDenied):
        record(url, case_id, actor=Actor("insp", "inspector"))
    with pytest.raises(cases.CaseNotFound), session_scope(url) as s:  # P1 lies in township A
        cases.record_publication(s, Scope.for_region(b.TOWNSHIP_B), TODAY, case_id, "电视", TODAY, "",
                                 actor=Actor("pub2", "publicity", Scope.for_region(b.TOWNSHIP_B)))
    record(url, case_id)
    with pytest.raises(cases.CaseError, match="已登记过"):  # the second click of the same form
        record(url, case_id)
    with session_scope(url) as s:
        assert s.scalar(select(func.count()).select_from(CasePublication)) == 1
        assert s.scalar(select(func.count()).where(AuditEntry.action == "case_publication")) == 1
