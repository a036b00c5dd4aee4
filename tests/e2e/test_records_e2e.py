"""A township clerk (乡镇经办) records a contact and a 满意度回访 in a real browser on 干部详情; both
show in the figures of 工作总览 and in the database with the moment they were saved."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from data_access.db import session_scope
from data_access.models import AuditEntry, Cadre, Contact, Satisfaction
from tests import records_data as R
from tests.e2e.conftest import login, served_county, wait_idle

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    # the hand-built county, every record dated in 2024; township_clerk: 乡镇经办 of 汉源镇
    with served_county(tmp_path_factory.mktemp("records"), build=R.build) as served:
        yield served


def _main(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def _metric(page, label: str) -> str:
    return page.locator('[data-testid="stMetric"]', has_text=label).first.inner_text()


def test_township_clerk_records_a_contact_and_a_return_visit_that_show_in_the_figures(app_url, page):
    url, base = app_url
    with session_scope(url) as s:
        zhang = s.scalar(select(Cadre.id).where(Cadre.name == "张明"))
    page.goto(base)
    login(page, "township_clerk", "demo1234")
    assert "0 次" in _metric(page, "本季回访")
    assert "0 次" in _metric(page, "今年走访次数")
    page.goto(f"{base}/cadre?cadre={zhang}")  # the login cookie keeps the session
    wait_idle(page)
    assert "张明" in _main(page)

    page.locator('[data-testid="stSelectbox"]', has_text="联系方式").click()
    page.get_by_role("option", name="实地走访", exact=True).click()
    page.get_by_label("内容").fill("入户看望，了解冬季取暖情况")
    page.get_by_role("button", name="保存联系记录").click()
    # the save's rerun may start after wait_idle has seen the previous run's end (a loaded machine)
    expect(page.locator('[data-testid="stMain"]')).to_contain_text("已录入联系记录", timeout=30_000)
    wait_idle(page)
    assert "实地走访" in _main(page)

    page.get_by_role("tab", name="录入满意度回访").click()
    page.locator('[data-testid="stSelectbox"]', has_text="满意度").click()
    page.get_by_role("option", name="不满意", exact=True).click()
    page.get_by_label("回访人").fill("汉源镇民政办")
    page.get_by_role("button", name="保存回访").click()
    expect(page.locator('[data-testid="stMain"]')).to_contain_text("已录入满意度回访", timeout=30_000)

    page.locator('[data-testid="stSidebarNavLink"]', has_text="工作总览").click()
    expect(page.locator("h1").first).to_contain_text("工作总览", timeout=30_000)
    wait_idle(page)
    assert "1 次" in _metric(page, "今年走访次数")
    assert "1 次" in _metric(page, "本季回访")
    assert "0.0%" in _metric(page, "本季满意率")
    assert "不满意" in _main(page)
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
    assert "1 个乡镇均在 7 天内有更新" in sidebar

    with session_scope(url) as s:
        contact = s.scalars(select(Contact).where(Contact.entry_source == "平台录入")).one()
        visit = s.scalars(select(Satisfaction).where(Satisfaction.entry_source == "平台录入")).one()
        assert (contact.method, contact.entered_by, visit.level, visit.visitor) == (
            "实地走访", "township_clerk", "不满意", "汉源镇民政办")
        assert {e.action for e in s.scalars(select(AuditEntry).where(AuditEntry.username == "township_clerk"))} >= {
            "record_contact", "record_return_visit"}
