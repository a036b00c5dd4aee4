"""录入时间 on import (IMPORT_FORMAT.md): from the sheet, else the moment of import; the first entry
time stands on re-import; a changed 日期 / 方式 is a correction kept with its own time; a 录入时间
before 日期 or in the future is a row error. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from data_access import imports
from data_access import models as m
from data_access.db import session_scope
from data_access.permissions import Actor
from data_access.policy import Policy
from tests.import_workbooks import ADULT_ID, CHILD_ID, base_sheets, set_cell, write_xlsx

TODAY = dt.date(2024, 6, 30)


def run(url, path, **kwargs) -> imports.ImportResult:
    with session_scope(url) as session:
        return imports.run_import(session, imports.read_path(path), actor=Actor("乡镇经办甲", "admin"), policy=Policy(),
                                  today=TODAY, **kwargs)


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


def test_each_note_is_stored_with_its_key_and_a_corrected_note_with_the_new_key(db_url, tmp_path):
    """雷同记录 compares notes without spaces and punctuation; the import stores that key with each
    note, and a re-import correcting 内容 under the same 记录编号 stores the new key."""
    def keys() -> dict:
        with session_scope(db_url) as s:
            return dict(s.execute(select(m.Contact.content, m.Contact.note_key)).all())

    sheets = base_sheets()
    set_cell(sheets, "联系记录", 1, "内容", "入户看望， 了解近况！")
    assert run(db_url, write_xlsx(tmp_path / "a.xlsx", sheets)).outcome == "成功"
    assert keys() == {"入户看望， 了解近况！": "入户看望了解近况", "询问身体情况": "询问身体情况"}
    set_cell(sheets, "联系记录", 1, "内容", "“送去米面油”。")
    result = run(db_url, write_xlsx(tmp_path / "b.xlsx", sheets))
    assert result.outcome == "成功" and result.counts["联系记录"].updated == 1
    assert keys() == {"“送去米面油”。": "送去米面油", "询问身体情况": "询问身体情况"}


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


# ---- 政策落实 and 满意度回访 ------------------------------------------------------------------

def sheets_with_records() -> dict[str, list[list]]:
    sheets = base_sheets()
    sheets["政策落实"] = [
        ["身份证号", "政策", "落实状态", "落实日期", "说明"],
        [CHILD_ID, "基本生活保障", "已落实", "2023-04-01", None],
        [CHILD_ID, "教育资助", "未落实", None, "正在办理"],
        [ADULT_ID, "医疗救助", "不适用", None, "已享受同类政策"],
        [ADULT_ID.lower(), " 住房救助", "已落实", "2024年1月5日", None],
    ]
    sheets["满意度回访"] = [
        ["回访编号", "户编号", "干部编号", "回访日期", "回访方式", "回访人", "满意度", "干部是否上门", "说明"],
        ["HF1", "H001", None, "2023-07-01", "电话", "县督查组", "满意", "是", None],
        [None, "H002", "GB02", "2023-07-02", "实地", "汉源镇", "不满意", "否", "干部没来过"],
    ]
    return sheets


def test_policy_and_return_visit_sheets_import_and_a_second_import_changes_nothing(db_url, tmp_path):
    path = write_xlsx(tmp_path / "records.xlsx", sheets_with_records())
    preview = run(db_url, path, dry_run=True)
    assert preview.outcome == "预览" and preview.problems == []
    assert (preview.counts["政策落实"].new, preview.counts["满意度回访"].new) == (4, 2)
    with session_scope(db_url) as s:
        assert s.execute(select(m.PolicyDelivery.id)).first() is None  # a dry run stores nothing

    result = run(db_url, path)
    assert result.outcome == "成功", [p.line() for p in result.problems]
    with session_scope(db_url) as s:
        policies = {(r.policy, r.status, r.delivered, r.delivered_date, r.note) for r in s.scalars(select(m.PolicyDelivery))}
        visits = s.execute(
            select(m.Satisfaction.code, m.Household.code, m.Cadre.code, m.Satisfaction.method, m.Satisfaction.visitor,
                   m.Satisfaction.level, m.Satisfaction.cadre_came, m.Satisfaction.note, m.Satisfaction.pairing_id,
                   m.Satisfaction.entry_source)
            .join(m.Household, m.Household.id == m.Satisfaction.household_id)
            .join(m.Cadre, m.Cadre.id == m.Satisfaction.cadre_id).order_by(m.Satisfaction.survey_date)).all()
    assert policies == {
        ("基本生活保障", "已落实", True, dt.date(2023, 4, 1), None),
        ("教育资助", "未落实", False, None, "正在办理"),
        ("医疗救助", "不适用", False, None, "已享受同类政策"),
        ("住房救助", "已落实", True, dt.date(2024, 1, 5), None),
    }
    # H001's cadre is the one paired on the 回访日期 (GB01), found without 干部编号.
    assert [tuple(v[:8]) for v in visits] == [
        ("HF1", "H001", "GB01", "电话", "县督查组", "满意", "是", None),
        (None, "H002", "GB02", "实地", "汉源镇", "不满意", "否", "干部没来过"),
    ]
    assert all(v.pairing_id is not None and v.entry_source == "导入" for v in visits)

    again = run(db_url, path)
    assert (again.counts["政策落实"].unchanged, again.counts["满意度回访"].unchanged) == (4, 2)
    assert again.counts["政策落实"].new == again.counts["政策落实"].updated == 0
    assert again.counts["满意度回访"].new == again.counts["满意度回访"].updated == 0

    # A later workbook updates by key: 身份证号 + 政策, 回访编号, or 户编号 + 回访日期 + 回访方式.
    sheets = sheets_with_records()
    sheets["政策落实"][2] = [CHILD_ID, "教育资助", "已落实", "2024-03-01", None]
    sheets["满意度回访"][2][6] = "基本满意"
    later = run(db_url, write_xlsx(tmp_path / "later.xlsx", sheets))
    assert (later.counts["政策落实"].updated, later.counts["满意度回访"].updated) == (1, 1)
    with session_scope(db_url) as s:
        assert s.scalar(select(func.count()).select_from(m.PolicyDelivery)) == 4
        assert s.scalar(select(func.count()).select_from(m.Satisfaction)) == 2


def test_bad_policy_and_return_visit_rows_are_refused_with_every_problem(db_url, tmp_path):
    sheets = sheets_with_records()
    sheets["政策落实"] += [
        [ADULT_ID, "教育资助", "已落实", "2023-04-01", None],  # not entitled to 特困人员
        [ADULT_ID, "低保", "未落实", None, None],  # 低保 = 最低生活保障: 困难重度残疾人 only
        [CHILD_ID, "医疗保障", "已落实", None, None],  # 已落实 without a date
        [CHILD_ID, "医疗保障", "不适用", None, None],  # 不适用 without a reason (and the same policy twice)
        [CHILD_ID, "基本养老", "未落实", None, None],  # no such policy
        ["110101199003074477", "医疗救助", "已落实", "2023-01-01", None],  # unknown person
        [ADULT_ID, "权益维护", "已落实", "2024-07-01", None],  # in the future
    ]
    sheets["满意度回访"] += [
        [None, "H404", None, "2023-07-01", "电话", None, "满意", None, None],  # unknown household
        [None, "H001", None, "2023-01-01", "电话", None, "满意", None, None],  # no pairing on that day
        [None, "H001", None, "2023-07-05", "上门", None, "很好", "没有", None],  # three bad choices
        ["HF1", "H001", None, "2023-07-06", "电话", None, "满意", None, None],  # 回访编号 twice
    ]
    result = run(db_url, write_xlsx(tmp_path / "bad.xlsx", sheets))
    assert result.outcome == "拒绝"
    got = [(p.sheet, p.row, p.column, p.value) for p in result.problems]
    assert got == [
        ("政策落实", 6, "政策", "教育资助"),
        ("政策落实", 7, "政策", "低保"),
        ("政策落实", 8, "落实日期", ""),
        ("政策落实", 9, "说明", ""),
        ("政策落实", 9, "政策", "医疗保障"),
        ("政策落实", 10, "政策", "基本养老"),
        ("政策落实", 11, "身份证号", "110101199003074477"),
        ("政策落实", 12, "落实日期", "2024-07-01"),
        ("满意度回访", 4, "户编号", "H404"),
        ("满意度回访", 5, "回访日期", "2023-01-01"),
        ("满意度回访", 6, "回访方式", "上门"),
        ("满意度回访", 6, "满意度", "很好"),
        ("满意度回访", 6, "干部是否上门", "没有"),
        ("满意度回访", 7, "回访编号", "HF1"),
    ], [p.line() for p in result.problems]
    messages = {(p.row, p.column): p.message for p in result.problems if p.sheet == "政策落实"}
    assert messages[(6, "政策")] == ("“教育资助”不是特困人员的应享政策"
                                     "（特困人员应享：基本生活保障、医疗救助、住房救助、权益维护）")
    assert messages[(11, "身份证号")] == "该身份证号在“对象”表和已有数据中都找不到"
    with session_scope(db_url) as s:  # all or nothing
        assert s.execute(select(m.Person.id)).first() is None

    kept = run(db_url, write_xlsx(tmp_path / "bad2.xlsx", sheets), keep_valid=True)
    assert kept.outcome == "部分导入" and kept.rejects is not None
    assert (kept.counts["政策落实"].new, kept.counts["政策落实"].rejected) == (4, 7)
    assert (kept.counts["满意度回访"].new, kept.counts["满意度回访"].rejected) == (2, 4)
