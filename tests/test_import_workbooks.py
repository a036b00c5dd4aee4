"""Whole workbooks: a hand-typed county workbook imports cleanly; a bad one is refused with every
mistake named and nothing stored; dry run, re-import, --keep-valid with its rejects workbook, CSV
folders and zips in GB18030, the template, file-level refusals; on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from data_access import imports
from data_access import models as m
from data_access.db import data_version, session_scope
from data_access.permissions import Actor
from data_access.policy import Policy
from tests.import_workbooks import (
    ADULT_ID,
    CHILD_ID,
    base_sheets,
    county_scale,
    hand_typed,
    set_cell,
    write_xlsx,
)

TODAY = dt.date(2024, 6, 30)
DATA_TABLES = (m.Region, m.Unit, m.Cadre, m.Household, m.Person, m.Pairing, m.Contact, m.Need, m.NeedEvent)


def run(url, source, **kwargs) -> imports.ImportResult:
    book = imports.read_path(source) if not isinstance(source, imports.RawBook) else source
    with session_scope(url) as session:
        return imports.run_import(session, book, actor=Actor("测试", "admin"), policy=Policy(), today=TODAY, **kwargs)


def table_counts(url) -> dict[str, int]:
    with session_scope(url) as session:
        return {t.__tablename__: session.execute(select(func.count()).select_from(t)).scalar_one() for t in DATA_TABLES}


def test_hand_typed_county_workbook_imports_cleanly(db_url, tmp_path):
    result = run(db_url, hand_typed(tmp_path / "西和县.xlsx"))
    assert result.problems == [], [p.line() for p in result.problems]
    assert result.outcome == "成功"
    assert result.ignored_sheets == ("填表说明",)
    # 区划: the county of the sheet, its city and province from the official list, 2 townships, 2 villages.
    assert {k: v.new for k, v in result.counts.items()} == {
        "区划": 7, "对象": 4, "干部": 3, "结对": 4, "联系记录": 5, "诉求台账": 2, "户": 3, "工作单位": 2}
    with session_scope(db_url) as s:
        li = s.scalars(select(m.Person).where(m.Person.name == "李秀英")).one()
        assert li.id_number == ADULT_ID.upper() and li.phone == "13912345678" and li.sex == "女"
        child = s.scalars(select(m.Person).where(m.Person.id_number == CHILD_ID)).one()
        assert child.birth_date == dt.date(2012, 4, 5) and child.guardian == "王建国"
        assert s.get(m.Region, "621225101001").name == "长道村"
        gifts = dict(s.execute(select(m.Contact.record_no, m.Contact.gift_yuan).where(m.Contact.record_no.is_not(None))).all())
        assert gifts == {"LX-1": Decimal("200.00"), "LX-2": None}
        formula = s.scalars(select(m.Contact.gift_yuan).where(m.Contact.content == "送米面油")).one()
        assert formula == Decimal("300.00")  # a formula's saved value
        roles = dict(s.execute(select(m.Household.code, m.Pairing.role).join(m.Pairing, m.Pairing.household_id == m.Household.id)
                               .where(m.Pairing.end_date.is_(None))).all())
        assert roles == {"XH-001": "爱心爸妈", "XH-002": "爱心家人", "XH-003": "爱心爸妈"}  # XH-003 has a child
        # the Mid-Autumn video call lands on the pairing that started the day the first one ended
        mid_autumn = s.execute(select(m.Cadre.code).join(m.Pairing, m.Pairing.cadre_id == m.Cadre.id)
                               .join(m.Contact, m.Contact.pairing_id == m.Pairing.id)
                               .where(m.Contact.content == "中秋问候")).scalar_one()
        assert mid_autumn == "GB02"
        need = s.scalars(select(m.Need).where(m.Need.code == "SQ-1")).one()
        assert need.due_date == dt.date(2023, 6, 2)  # raised + need_due_days
        kinds = s.scalars(select(m.NeedEvent.kind).where(m.NeedEvent.need_id == need.id).order_by(m.NeedEvent.id)).all()
        assert kinds == ["提出", "办结"]
        run_row = s.scalars(select(m.ImportRun)).one()
        assert (run_row.username, run_row.outcome, run_row.file_name) == ("测试", "成功", "西和县.xlsx")
        assert len(run_row.sha256) == 64
        audit = s.scalars(select(m.AuditEntry).where(m.AuditEntry.action == "import")).one()
        assert audit.target == "西和县.xlsx"


def test_bad_workbook_is_refused_with_every_mistake_and_nothing_stored(db_url, tmp_path):
    sheets = base_sheets()
    set_cell(sheets, "对象", 1, "性别", "女")
    set_cell(sheets, "干部", 2, "职级", "股级")
    set_cell(sheets, "联系记录", 1, "日期", "明天")
    set_cell(sheets, "联系记录", 2, "慰问金额", "-20")
    set_cell(sheets, "诉求台账", 1, "办结情况", None)
    before = table_counts(db_url)
    version = data_version(db_url)
    result = run(db_url, write_xlsx(tmp_path / "bad.xlsx", sheets))
    assert result.outcome == "拒绝"
    named = {(p.sheet, p.row, p.column) for p in result.problems}
    assert {("对象", 2, "性别"), ("干部", 3, "职级"), ("联系记录", 2, "日期"), ("联系记录", 3, "慰问金额"),
            ("诉求台账", 2, "办结情况")} <= named
    # what follows: pairing and contacts of the person and the cadre with errors
    assert ("结对", 2, "户编号") in named and ("结对", 3, "干部编号") in named
    assert table_counts(db_url) == before
    with session_scope(db_url) as s:
        assert s.scalars(select(m.ImportRun.outcome)).all() == ["拒绝"]
    assert data_version(db_url) == version + 1  # the refused run is in the history
    lines = [p.line() for p in result.problems]
    assert "对象 第2行 “性别”列（值：女）：与身份证号不一致（按身份证号应为男）" in lines


def test_dry_run_writes_nothing(db_url, tmp_path):
    before = table_counts(db_url)
    version = data_version(db_url)
    result = run(db_url, hand_typed(tmp_path / "h.xlsx"), dry_run=True)
    assert result.outcome == "预览" and result.counts["对象"].new == 4 and result.counts["联系记录"].new == 5
    assert table_counts(db_url) == before
    assert data_version(db_url) == version
    with session_scope(db_url) as s:
        assert s.execute(select(func.count()).select_from(m.ImportRun)).scalar_one() == 0


def test_importing_the_same_workbook_twice_changes_nothing(db_url, tmp_path):
    path = hand_typed(tmp_path / "h.xlsx")
    run(db_url, path)
    after_first = table_counts(db_url)
    second = run(db_url, path)
    assert second.outcome == "成功"
    assert all(c.new == 0 and c.updated == 0 for c in second.counts.values()), second.summary()
    assert table_counts(db_url) == after_first


def test_a_changed_row_is_an_update(db_url, tmp_path):
    sheets = base_sheets()
    run(db_url, write_xlsx(tmp_path / "a.xlsx", sheets))
    set_cell(sheets, "对象", 2, "联系电话", "13800000000")
    set_cell(sheets, "联系记录", 1, "慰问金额", 300)
    set_cell(sheets, "结对", 2, "解除日期", "2024-01-01")
    set_cell(sheets, "结对", 2, "解除原因", "对象去世")
    result = run(db_url, write_xlsx(tmp_path / "b.xlsx", sheets))
    assert (result.counts["对象"].updated, result.counts["联系记录"].updated, result.counts["结对"].updated) == (1, 1, 1)
    with session_scope(db_url) as s:
        assert s.scalars(select(m.Person.phone).where(m.Person.id_number == ADULT_ID)).one() == "13800000000"
        assert s.scalars(select(m.Contact.gift_yuan).where(m.Contact.record_no == "R1")).one() == Decimal("300.00")
        assert s.execute(select(func.count()).select_from(m.Contact)).scalar_one() == 2


def test_keep_valid_stores_valid_rows_and_returns_the_rejects(db_url, tmp_path):
    sheets = base_sheets()
    set_cell(sheets, "对象", 2, "性别", "男")  # 李秀英 is a woman: her row and what hangs on it go back
    result = run(db_url, write_xlsx(tmp_path / "k.xlsx", sheets), keep_valid=True)
    assert result.outcome == "部分导入"
    assert (result.counts["对象"].new, result.counts["对象"].rejected) == (1, 1)
    assert (result.counts["联系记录"].new, result.counts["联系记录"].rejected) == (1, 1)
    rejects = load_workbook(io.BytesIO(result.rejects))
    assert rejects.sheetnames == ["对象", "结对", "联系记录"]
    rows = list(rejects["对象"].values)
    assert rows[0][-1] == "错误" and rows[0][:-1] == tuple(sheets["对象"][0])
    assert rows[1][0] == ADULT_ID and "性别" in rows[1][-1] and "原第3行" in rows[1][-1]
    with session_scope(db_url) as s:
        assert s.scalars(select(m.Person.name)).all() == ["王小明"]
        assert s.scalars(select(m.ImportRun.outcome)).one() == "部分导入"
    # fixed and imported again: the rejected rows come in
    path = tmp_path / "fixed.xlsx"
    for sheet in rejects.worksheets:
        header = [c.value for c in sheet[1]]
        column = header.index("性别") if "性别" in header else None
        for row in sheet.iter_rows(min_row=2):
            if column is not None:
                row[column].value = "女"
    rejects.save(path)
    again = run(db_url, path)
    assert again.problems == [] and again.counts["对象"].new == 1 and again.counts["联系记录"].new == 1


def _write_csvs(folder, sheets, encoding):
    folder.mkdir()
    for name, rows in sheets.items():
        with open(folder / f"{name}.csv", "w", encoding=encoding, newline="") as handle:
            csv.writer(handle).writerows([["" if v is None else v for v in row] for row in rows])
    return folder


def test_csv_folder_in_gb18030_and_utf8(sqlite_url, tmp_path):
    sheets = base_sheets()
    sheets["对象"][0] = ["身份证号 ", "姓　名"] + sheets["对象"][0][2:]
    folder = _write_csvs(tmp_path / "gb", {k: v for k, v in sheets.items() if k != "诉求台账"}, "gb18030")
    (folder / "说明.txt").write_text("ignored")
    result = run(sqlite_url, folder)
    assert result.problems == [] and result.counts["对象"].new == 2 and result.counts["联系记录"].new == 2
    utf8 = _write_csvs(tmp_path / "u8", {"诉求台账": sheets["诉求台账"]}, "utf-8-sig")
    assert run(sqlite_url, utf8).counts["诉求台账"].new == 1


def test_zip_of_csv_with_gbk_file_names(sqlite_url, tmp_path):
    folder = _write_csvs(tmp_path / "csv", base_sheets(), "gb18030")
    archive_path = tmp_path / "导入.zip"
    buffer = io.BytesIO()
    placeholders = {}
    with zipfile.ZipFile(buffer, "w") as archive:
        for index, path in enumerate(sorted(folder.iterdir())):
            gbk = path.name.encode("gbk")
            placeholder = f"{index}".encode().ljust(len(gbk) - 4, b"_") + b".csv"
            placeholders[placeholder] = gbk
            archive.writestr(placeholder.decode(), path.read_bytes())
    data = buffer.getvalue()
    for placeholder, gbk in placeholders.items():  # GBK names without the UTF-8 flag, as Windows writes them
        data = data.replace(placeholder, gbk)
    archive_path.write_bytes(data)
    result = run(sqlite_url, archive_path)
    assert result.problems == [] and result.counts["对象"].new == 2 and result.counts["诉求台账"].new == 1


def test_template_has_every_sheet_and_imports_cleanly(sqlite_url, tmp_path):
    data = imports.template_bytes()
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["区划", "对象", "干部", "结对", "联系记录", "诉求台账", "政策落实", "满意度回访", "填写说明"]
    assert [c.value for c in workbook["对象"][1]][:5] == ["身份证号", "姓名", "类别", "户编号", "区划代码"]
    assert workbook["对象"]["A2"].number_format == "@"
    result = run(sqlite_url, imports.read_bytes(data, "导入模板.xlsx"))
    assert result.problems == [] and result.counts["联系记录"].new == 1
    assert result.counts["政策落实"].new == 1 and result.counts["满意度回访"].new == 1


@pytest.mark.parametrize("name,data,message", [
    ("报表.docx", b"hello", "不是 Excel 工作簿"),
    ("旧表.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 100, "另存为 .xlsx"),
    ("空.xlsx", b"", "是空的"),
    ("坏.xlsx", b"PK\x03\x04broken", "已损坏"),
])
def test_files_that_are_not_workbooks(name, data, message):
    with pytest.raises(imports.ImportFileError, match=message):
        imports.read_bytes(data, name)


def test_upload_limit_and_workbook_without_known_sheets(tmp_path):
    with pytest.raises(imports.ImportFileError, match="超过了 1 MB 的上限"):
        imports.read_bytes(b"x" * (1024 * 1024 + 1), "大.xlsx", limit_mb=1)
    path = write_xlsx(tmp_path / "other.xlsx", {"Sheet1": [["a", "b"], [1, 2]]})
    with pytest.raises(imports.ImportFileError, match="没有可导入的工作表"):
        imports.read_path(path)


def test_county_sized_workbook_imports_in_seconds(sqlite_url, tmp_path):
    """≈5 thousand persons and 30 thousand contacts (the figure is printed for the report)."""
    path = county_scale(tmp_path / "county.xlsx")
    started = time.perf_counter()
    book = imports.read_path(path)
    read = time.perf_counter() - started
    result = run(sqlite_url, book)
    total = time.perf_counter() - started
    print(f"\ncounty workbook: read {read:.1f}s, validate+store {result.seconds:.1f}s, total {total:.1f}s")
    assert result.problems == []
    assert result.counts["对象"].new == 5000 and result.counts["联系记录"].new == 30000
    assert total < 120


def test_fast_reader_agrees_with_openpyxl(tmp_path):
    """The direct XML reader gives the same rows as openpyxl (values, dates, formulas, row numbers)."""
    from data_access.imports import reading
    from tests.import_workbooks import with_saved_formula

    sheets = base_sheets()
    set_cell(sheets, "联系记录", 2, "慰问金额", 515151)
    path = with_saved_formula(write_xlsx(tmp_path / "f.xlsx", sheets), 515151, "1+1", None)
    for data in (hand_typed(tmp_path / "h.xlsx").read_bytes(), path.read_bytes(), imports.template_bytes()):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            fast, fast_ignored = reading._read_xlsx_fast(archive, reading._Budget("f.xlsx", reading.Limits()))
        slow, slow_ignored = reading._read_xlsx(data, reading._Budget("f.xlsx", reading.Limits()))
        assert fast_ignored == slow_ignored and fast.keys() == slow.keys()
        for name in fast:
            a, b = fast[name], slow[name]
            assert (a.header_row, a.columns) == (b.header_row, b.columns)
            strip = lambda cells: tuple(cells[: max((i + 1 for i, v in enumerate(cells) if v is not None), default=0)])  # noqa: E731
            assert [(r.excel_row, r.values, strip(r.cells), r.unsaved_formulas) for r in a.rows] == \
                   [(r.excel_row, r.values, strip(r.cells), r.unsaved_formulas) for r in b.rows]


def test_a_zip_that_unpacks_to_far_more_than_the_limit_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("对象.csv", b"0" * (25 * 1024 * 1024))
    with pytest.raises(imports.ImportFileError, match="解压后超过压缩文件的 100 倍"):
        imports.read_bytes(buffer.getvalue(), "炸弹.zip", limit_mb=1)
