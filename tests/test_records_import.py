"""录入时间 on import (IMPORT_FORMAT.md): from the sheet, else the moment of import; the first entry
time stands on re-import; a changed 日期 / 方式 is a correction kept with its own time; a 录入时间
before 日期 or in the future is a row error. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from data_access import imports
from data_access import models as m
from data_access.db import session_scope
from data_access.policy import Policy
from tests.import_workbooks import base_sheets, set_cell, write_xlsx

TODAY = dt.date(2024, 6, 30)


def run(url, path, **kwargs) -> imports.ImportResult:
    with session_scope(url) as session:
        return imports.run_import(session, imports.read_path(path), username="乡镇经办甲", policy=Policy(), today=TODAY,
                                  **kwargs)


def entries(url) -> dict[str, tuple]:
    with session_scope(url) as s:
        rows = s.execute(select(m.Contact.content, m.Contact.contact_date, m.Contact.method, m.Contact.entered_at,
                                m.Contact.entry_source, m.Contact.entered_by, m.Contact.corrected_at)).all()
    return {r.content: tuple(r[1:]) for r in rows}


def test_entry_time_from_sheet_or_import_and_first_one_stands(db_url, tmp_path):
    sheets = base_sheets()
    set_cell(sheets, "联系记录", 1, "录入时间", "2023/5/3 18:30")
    before = dt.datetime.now().replace(microsecond=0)
    assert run(db_url, write_xlsx(tmp_path / "a.xlsx", sheets)).outcome == "成功"
    after = dt.datetime.now()
    first = entries(db_url)
    assert first["入户看望"][2:5] == (dt.datetime(2023, 5, 3, 18, 30), "来源系统", "乡镇经办甲")
    untimed = first["询问身体情况"]
    assert untimed[3] == "导入" and before <= untimed[2] <= after  # the moment the import stored it

    # The same records again, now with other entry times and the 方式 of R1 corrected.
    set_cell(sheets, "联系记录", 1, "录入时间", "2023-06-01 09:00")
    set_cell(sheets, "联系记录", 2, "录入时间", "2023-05-04")
    set_cell(sheets, "联系记录", 1, "方式", "电话")
    result = run(db_url, write_xlsx(tmp_path / "b.xlsx", sheets))
    assert result.outcome == "成功" and result.counts["联系记录"].updated == 1
    second = entries(db_url)
    assert second["入户看望"][1:4] == ("电话", dt.datetime(2023, 5, 3, 18, 30), "来源系统")
    assert second["入户看望"][5] is not None  # corrected_at
    assert second["询问身体情况"] == untimed  # unchanged: the new 录入时间 does not rewrite the first one
    with session_scope(db_url) as s:
        correction = s.execute(select(m.ContactCorrection)).scalar_one()
        assert (correction.old_method, correction.new_method, correction.old_date, correction.source) == (
            "实地走访", "电话", dt.date(2023, 5, 3), "导入")

    # A third import of the same workbook changes nothing.
    third = run(db_url, write_xlsx(tmp_path / "c.xlsx", sheets))
    assert third.counts["联系记录"].unchanged == 2 and third.counts["联系记录"].updated == 0
    assert entries(db_url) == second


def test_entry_time_before_the_date_or_in_the_future_is_a_row_error(db_url, tmp_path):
    sheets = base_sheets()
    set_cell(sheets, "联系记录", 1, "录入时间", "2023-05-02 23:59")
    set_cell(sheets, "联系记录", 2, "录入时间", "2024-07-01 08:00")
    result = run(db_url, write_xlsx(tmp_path / "bad.xlsx", sheets))
    assert result.outcome == "拒绝"
    lines = [p.line() for p in result.problems]
    assert lines == [
        "联系记录 第2行 “录入时间”列（值：2023-05-02 23:59）：录入时间早于联系日期（2023-05-03）：记录不能在联系之前录入",
        "联系记录 第3行 “录入时间”列（值：2024-07-01 08:00）：录入时间晚于现在，不能是将来的时间",
    ]
    with session_scope(db_url) as s:
        assert s.execute(select(m.Contact.id)).first() is None


def test_import_marks_the_townships_whose_data_came_in(db_url, tmp_path):
    sheets = base_sheets()
    assert run(db_url, write_xlsx(tmp_path / "a.xlsx", sheets)).outcome == "成功"
    with session_scope(db_url) as s:
        first = s.execute(select(m.DataFreshness.township_code, m.DataFreshness.changed_at)).all()
    assert [code for code, _ in first] == ["621225100"]
    run(db_url, write_xlsx(tmp_path / "b.xlsx", sheets))  # nothing new: the time stays
    with session_scope(db_url) as s:
        assert s.execute(select(m.DataFreshness.township_code, m.DataFreshness.changed_at)).all() == first


def test_county_workbook_without_a_region_sheet_imports_on_a_fresh_database(db_url, tmp_path):
    sheets = base_sheets()
    del sheets["区划"]
    set_cell(sheets, "对象", 1, "乡镇", "汉源镇")
    set_cell(sheets, "对象", 1, "村", "城关村")
    set_cell(sheets, "对象", 2, "乡镇", "汉源镇")
    set_cell(sheets, "对象", 2, "村", "城关村")
    result = run(db_url, write_xlsx(tmp_path / "county.xlsx", sheets))
    assert result.problems == [], [p.line() for p in result.problems]
    with session_scope(db_url) as s:
        regions = dict(s.execute(select(m.Region.code, m.Region.name)).all())
        parents = dict(s.execute(select(m.Region.code, m.Region.parent_code)).all())
    # The county, its city and its province come from the official list (GB/T 2260).
    assert {k: regions[k] for k in ("620000", "621200", "621225")} == {
        "620000": "甘肃省", "621200": "陇南市", "621225": "西和县"}
    assert parents["621225"] == "621200" and parents["621200"] == "620000" and parents["621225100"] == "621225"


def test_a_county_code_that_is_not_official_is_a_row_error_naming_it(db_url, tmp_path):
    sheets = base_sheets()
    del sheets["区划"]
    for row in (1, 2):
        set_cell(sheets, "对象", row, "区划代码", "621299100001")
        set_cell(sheets, "对象", row, "乡镇", "某镇")
        set_cell(sheets, "对象", row, "村", "某村")
    result = run(db_url, write_xlsx(tmp_path / "bad.xlsx", sheets))
    assert result.outcome == "拒绝"
    first = [p for p in result.problems if p.sheet == "对象"][0]
    assert (first.row, first.column, first.value) == (2, "区划代码", "621299100001")
    assert "县区代码 621299 不是国家公布的县级行政区划代码" in first.message
    with session_scope(db_url) as s:
        assert s.execute(select(m.Region.code)).first() is None
