"""The publicity downloads through the real app in Chromium: a publicity user logs in, downloads a
case brief and the shortlist zip; the files hold no ID, phone or real name, and each download is
in the audit log under that user."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from data_access import accounts, cases
from data_access.db import session_scope
from data_access.models import AuditEntry
from data_access.permissions import Actor
from data_access.policy import Policy
from data_access.scope import EVERYWHERE
from tests import builders as b
from tests import case_scenario as sc
from tests.e2e.conftest import login, serve, wait_idle
from tests.test_cases_pages import assert_nothing_personal, docx_text

pytestmark = pytest.mark.browser


@pytest.fixture
def site(sqlite_url):
    with session_scope(sqlite_url) as s:
        ids = sc.build(s)
        accounts.create_user(s, "pub", "publicity", b.COUNTY, "Case-brief-2025", "宣传干部小周",
                             actor=Actor("test", "admin"))
        case_id = cases.create_case(s, EVERYWHERE, sc.AS_OF, Policy(), ids.p1,
                                    actor=Actor("pub", "publicity"))
        cases.shortlist(s, EVERYWHERE, case_id, actor=Actor("pub", "publicity"))
    return sqlite_url, case_id


def test_publicity_downloads_are_masked_and_audited(site, browser, tmp_path):
    url, case_id = site
    with serve(url) as base:
        context = browser.new_context(viewport={"width": 1440, "height": 1400}, locale="zh-CN",
                                   accept_downloads=True)
        page = context.new_page()
        page.goto(f"{base}/case_detail?case={case_id}&asof={sc.AS_OF}")
        login(page, "pub", "Case-brief-2025")
        wait_idle(page)
        body = page.locator('[data-testid="stMain"]').inner_text()
        assert "小王（11岁，孤儿）" in body
        assert_nothing_personal(body, "案例详情 in the browser")
        with page.expect_download(timeout=60_000) as download:
            page.get_by_role("button", name=re.compile("下载案例简报")).click()
        brief = Path(download.value.path()).read_bytes()
        assert download.value.suggested_filename == f"典型案例简报_案例{case_id}.docx"

        page.get_by_role("link", name="案例展示").first.click()
        wait_idle(page)
        with page.expect_download(timeout=60_000) as download:
            page.get_by_role("button", name=re.compile("每案一个文件")).click()
        bundle = tmp_path / "shortlist.zip"
        bundle.write_bytes(Path(download.value.path()).read_bytes())
        context.close()

    text = docx_text(brief)
    assert_nothing_personal(text, "downloaded brief")
    assert "导出人：宣传干部小周" in text
    with zipfile.ZipFile(bundle) as archive:
        for name in archive.namelist():
            assert_nothing_personal(docx_text(archive.read(name)), name)
    with session_scope(url) as s:
        exports = s.execute(select(AuditEntry.username, AuditEntry.target).where(AuditEntry.action == "export")
                            .order_by(AuditEntry.id)).all()
    assert exports == [("pub", f"典型案例简报（案例{case_id}）"), ("pub", "入围典型案例简报（1 件）")]


def test_the_publicity_guard_warns_a_leader_in_the_browser(sqlite_url, browser, tmp_path):
    """钱红 (H2's cadre) is 失联 with H3: on 案例详情 the leader reads the warning and finds the reason form
    in place of the plain 审核通过 button."""
    with session_scope(sqlite_url) as s:
        ids = sc.build(s)
        accounts.create_user(s, "lead", "leader", b.COUNTY, "Guard-check-2026", "李县长", actor=Actor("test", "admin"))
        case_id = cases.create_case(s, EVERYWHERE, sc.AS_OF, Policy(), ids.p2, actor=Actor("pub", "publicity"))
        cases.shortlist(s, EVERYWHERE, case_id, actor=Actor("pub", "publicity"))
        cases.record_consent(s, EVERYWHERE, sc.AS_OF, Policy(), case_id, sc.ADULT_NAME, "本人", sc.AS_OF, "宣传展板",
                             actor=Actor("pub", "publicity"))
    with serve(sqlite_url) as base:
        context = browser.new_context(viewport={"width": 1440, "height": 1400}, locale="zh-CN")
        page = context.new_page()
        page.goto(f"{base}/case_detail?case={case_id}&asof={sc.AS_OF}")
        login(page, "lead", "Guard-check-2026")
        wait_idle(page)
        warning = page.locator('[data-testid="stAlertContentWarning"]').filter(has_text="督查提示")
        warning.wait_for(timeout=30_000)
        assert "结对干部钱红目前滞后、失联" in warning.inner_text()
        assert page.get_by_role("button", name="说明理由并审核通过").count() == 1
        assert page.get_by_role("button", name="审核通过", exact=True).count() == 0
        page.screenshot(path=str(tmp_path / "publicity_guard.png"), full_page=True)
        context.close()
