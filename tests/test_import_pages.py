"""The 数据导入 and 数据核查 pages (AppTest), and the upload logic the import page calls."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from data_access import imports
from data_access import models as m
from data_access.db import session_scope
from data_access.permissions import Actor
from data_access.policy import Policy
from data_access.scope import Scope
from tests import builders as b
from tests.apptest import as_user, open_page, texts
from tests.fixed_date import TODAY
from tests.import_workbooks import base_sheets, hand_typed, set_cell, write_xlsx


@pytest.fixture
def db(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    return sqlite_url


ADMIN = Actor("admin", "admin")


def upload(url, data, name, actor: Actor = ADMIN, **kwargs):
    with session_scope(url) as s:
        return imports.import_upload(s, data, name, limit_mb=1, actor=actor, policy=Policy(), **kwargs)


def test_upload_preview_then_confirm(db, tmp_path):
    data = hand_typed(tmp_path / "h.xlsx").read_bytes()
    preview = upload(db, data, "西和县.xlsx")
    assert preview.outcome == "预览"
    frame = preview.counts_frame()
    assert frame.set_index("工作表").loc["对象"].tolist() == [4, 0, 0, 0]
    with session_scope(db) as s:
        assert s.execute(select(func.count()).select_from(m.Person)).scalar_one() == 0
    stored = upload(db, data, "西和县.xlsx", dry_run=False)
    assert stored.outcome == "成功"
    assert upload(db, data, "西和县.xlsx").counts_frame().set_index("工作表").loc["对象"].tolist() == [0, 0, 4, 0]


def test_upload_refusals_are_clear(db, tmp_path):
    with pytest.raises(imports.ImportFileError, match="超过了 1 MB"):
        upload(db, b"PK" + b"0" * (1024 * 1024), "大.xlsx")
    with pytest.raises(imports.ImportFileError, match="不是 Excel 工作簿"):
        upload(db, "姓名,电话".encode(), "名单.txt")
    sheets = base_sheets()
    for line in sheets["对象"]:
        del line[0]
    result = upload(db, write_xlsx(tmp_path / "m.xlsx", sheets).read_bytes(), "m.xlsx")
    assert "缺少必填列“身份证号”" in imports.problems_frame(result.problems)["问题"].tolist()[0]


def test_upload_is_limited_to_the_users_region(db, tmp_path):
    data = write_xlsx(tmp_path / "a.xlsx", base_sheets()).read_bytes()
    result = upload(db, data, "a.xlsx", actor=Actor("admin", "admin", Scope.for_region("621226")), dry_run=False)
    assert result.outcome == "拒绝"


def test_import_page_shows_template_and_history(db, tmp_path):
    sheets = base_sheets()
    upload(db, write_xlsx(tmp_path / "ok.xlsx", sheets).read_bytes(), "第一批.xlsx", dry_run=False)
    set_cell(sheets, "对象", 1, "性别", "女")
    upload(db, write_xlsx(tmp_path / "bad.xlsx", sheets).read_bytes(), "第二批.xlsx", dry_run=False)
    at = open_page("pages/data_import.py")
    assert not at.exception
    assert [t.value for t in at.title] == ["数据导入"]
    history = at.dataframe[-1].value
    assert history["文件"].tolist() == ["第二批.xlsx", "第一批.xlsx"]
    assert history["结果"].tolist() == ["拒绝", "成功"]
    assert history["操作人"].tolist() == ["admin", "admin"]
    assert "下载导入模板" in str([e.proto.label for e in at.get("download_button")])


def test_import_page_empty_history(db):
    at = open_page("pages/data_import.py")
    assert not at.exception
    assert "还没有导入记录" in texts(at)


@pytest.fixture
def checked_db(db):
    today = TODAY
    with session_scope(db) as s:
        b.region_tree(s)
        cadre = b.cadre(s, b.unit(s))
        for village in (b.VILLAGE_A1, b.VILLAGE_B1):
            house = b.household(s, village)
            b.person(s, house, village, id_number="621225196001010012", name="重复人")
            b.pairing(s, house, cadre, today - dt.timedelta(days=100))
        b.person(s, b.household(s, b.VILLAGE_A2), b.VILLAGE_A2, name="未结对")
    return db


def test_verification_page_counts_tabs_and_masking(checked_db):
    at = open_page("pages/verification.py")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["身份重复"] == "2 条" and metrics["在册未结对"] == "1 条" and metrics["儿童已成年"] == "0 条"
    assert [t.label for t in at.tabs][:3] == ["身份重复（2）", "核查标记（0）", "在册未结对（1）"]
    page = texts(at)
    assert "6212************12" in page and "621225196001010012" not in page
    assert "重复人" in page and "未结对" in page


def test_verification_page_for_a_township_leader(checked_db):
    at = open_page("pages/verification.py", user=as_user("leader_b", "leader", b.TOWNSHIP_B))
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["身份重复"] == "1 条" and metrics["在册未结对"] == "0 条"


def test_verification_page_empty(db):
    at = open_page("pages/verification.py")
    assert not at.exception
    assert "没有需要核查的记录" in texts(at)


def test_verification_lists_offer_a_chinese_sort(checked_db):
    """Issue 19: each of 数据核查's lists has a 排序 select like the other long tables; the check's own
    order is the default and 按乡镇、村排列 reorders the rows in the query (page 2 would be page 2 of it)."""
    with session_scope(checked_db) as s:
        cadre = s.scalars(select(m.Cadre.id)).first()
        for village in (b.VILLAGE_B1, b.VILLAGE_A2):  # a lower ID number, entered B1 first
            house = b.household(s, village)
            b.person(s, house, village, id_number="621225195001010010", name="同号")
            b.pairing(s, house, cadre, TODAY - dt.timedelta(days=100))
    at = open_page("pages/verification.py")
    sorts = [box for box in at.selectbox if box.label == "排序"]
    assert len(sorts) == sum(not t.label.endswith("（0）") for t in at.tabs) == 3  # one per list with rows
    assert sorts[0].value == "同号记录相邻（按身份证号）"
    assert list(at.dataframe[0].value["村"]) == ["长道村", "南关村", "城关村", "长道村"]
    sorts[0].select("按乡镇、村排列").run()
    assert not at.exception
    assert list(at.dataframe[0].value["村"]) == ["城关村", "南关村", "长道村", "长道村"]
