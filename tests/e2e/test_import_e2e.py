"""The import page in a real browser: an office uploads its workbook, sees the preview, confirms,
and the data is in; the stored evaluations of the compliance rule are brought up to date by the import
and today's is stored right after, so the first leader to open a province-wide page after the
import does not wait for it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from data_access import db, status_store
from data_access.accounts import create_demo_accounts
from data_access.db import session_scope
from data_access.models import Contact, Person
from data_access.policy import Policy
from tests import builders as b
from tests import import_workbooks as wb
from tests.e2e.conftest import login, serve, wait_idle
from tests.fixed_date import TODAY

pytestmark = pytest.mark.browser


def test_upload_preview_confirm_and_evaluation_stored(tmp_path, page):
    url = f"sqlite:///{tmp_path / 'import.db'}"
    db.upgrade(url)
    with session_scope(url) as s:
        b.region_tree(s)
        create_demo_accounts(s, b.COUNTY)
    workbook = wb.write_xlsx(tmp_path / "西和县结对数据.xlsx", wb.base_sheets())
    with serve(url) as base:
        page.goto(base)
        login(page, "admin", "demo1234")
        page.locator('[data-testid="stSidebarNavLink"]', has_text="数据导入").click()
        wait_idle(page)
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(workbook))
        wait_idle(page)
        main = page.locator('[data-testid="stMain"]')
        main.get_by_text("检查通过，没有发现问题。").wait_for(timeout=30_000)
        with session_scope(url) as s:
            assert s.scalar(select(func.count()).select_from(Person)) == 0  # a preview writes nothing
        main.get_by_role("button", name="确认导入").click()
        main.get_by_text("导入成功。").wait_for(timeout=60_000)
        wait_idle(page)
        assert "Traceback" not in main.inner_text()
    with session_scope(url) as s:
        assert s.scalar(select(func.count()).select_from(Person)) == 2
        assert s.scalar(select(func.count()).select_from(Contact)) == 2
        stored = status_store.stored(s)
        valid = {status_store.find(s, e["as_of"], Policy()) for e in stored}
    # today's is stored, and those the pages stored before the import (the home page's previous
    # month end) were refreshed by it: all valid now, all with the imported pairings
    assert TODAY in {e["as_of"] for e in stored}
    assert valid == {e["id"] for e in stored}
    assert {e["pairings"] for e in stored} == {2}
    db.get_engine(url).dispose()
