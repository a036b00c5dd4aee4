"""Careless and hostile cell contents that used to crash an import or reach the database: a NUL
byte, over-long names of a new 乡镇 / 村, malformed sheet XML, two sheets of one name, an Info-ZIP
archive with UTF-8 names. Each is a Chinese message naming where, and nothing is stored, on
SQLite and PostgreSQL alike."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import zipfile

import pytest
from sqlalchemy import func, select

from data_access import imports
from data_access import models as m
from data_access.db import session_scope
from data_access.permissions import Actor
from data_access.policy import Policy
from tests.import_workbooks import base_sheets, set_cell, write_xlsx

TODAY = dt.date(2024, 6, 30)


def write_csv_folder(folder, sheets):
    folder.mkdir()
    for name, rows in sheets.items():
        with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(rows)
    return folder


def run(url, path):
    with session_scope(url) as s:
        return imports.run_import(s, imports.read_path(path), actor=Actor("测试", "admin"), policy=Policy(),
                                  today=TODAY)


def stored(url) -> tuple[int, int, int]:
    with session_scope(url) as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in (m.Person, m.Contact, m.Region))


@pytest.mark.parametrize(("sheet", "row", "column", "value"), [
    ("对象", 1, "姓名", "王\x00小明"),
    ("联系记录", 2, "内容", "询问\x00身体情况"),
])
def test_a_nul_byte_is_a_row_error_on_both_databases(db_url, tmp_path, sheet, row, column, value):
    sheets = base_sheets()
    set_cell(sheets, sheet, row, column, value)
    result = run(db_url, write_csv_folder(tmp_path / "book", sheets))
    assert result.outcome == "拒绝"
    nul = [p for p in result.problems if "空字符" in p.message]
    assert [(p.sheet, p.row, p.column) for p in nul] == [(sheet, row + 1, column)]  # (rows that refer to it follow)
    assert nul[0].message.startswith("含有空字符（NUL") and "\x00" not in nul[0].value
    assert stored(db_url) == (0, 0, 0)


def test_over_long_names_of_a_new_township_and_village_are_row_errors(db_url, tmp_path):
    sheets = base_sheets()
    set_cell(sheets, "对象", 1, "区划代码", "621225199001")  # a new township and village, named in the row
    set_cell(sheets, "对象", 1, "乡镇", "长" * 150)
    set_cell(sheets, "对象", 1, "村", "新" * 101)
    result = run(db_url, write_xlsx(tmp_path / "长名称.xlsx", sheets))
    assert result.outcome == "拒绝"
    found = {(p.row, p.column, p.message) for p in result.problems}
    assert (2, "乡镇", "内容过长（最多 100 个字，现有 150 个）") in found
    assert (2, "村", "内容过长（最多 100 个字，现有 101 个）") in found
    assert stored(db_url) == (0, 0, 0)


def test_malformed_sheet_xml_is_a_chinese_message(tmp_path):
    path = write_xlsx(tmp_path / "坏表.xlsx", {"对象": base_sheets()["对象"]})
    with zipfile.ZipFile(path) as archive:
        members = {i.filename: archive.read(i) for i in archive.infolist()}
    sheet = next(n for n in members if n.startswith("xl/worksheets/sheet"))
    members[sheet] = members[sheet].replace(b"</row>", b"</rw>", 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    with pytest.raises(imports.ImportFileError, match=r"工作表“对象”的内容已损坏（第 \d+ 行第 \d+ 个字符处格式错误）"):
        imports.read_path(path)
    done = subprocess.run([".venv/bin/python", "-m", "dashboard", "--db", "sqlite:///" + str(tmp_path / "x.db"),
                           "import", str(path), "--dry-run"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "Traceback" not in done.stderr and "内容已损坏" in done.stderr + done.stdout


def test_two_sheets_that_normalise_to_one_name_are_refused(tmp_path):
    rows = base_sheets()["对象"]
    path = write_xlsx(tmp_path / "两表.xlsx", {"对象": rows, "对　象": rows})
    with pytest.raises(imports.ImportFileError, match="工作表“对象”和“对　象”都对应“对象”表"):
        imports.read_path(path)


def test_info_zip_utf8_names_without_the_flag(tmp_path):
    body = io.StringIO()
    csv.writer(body).writerows(base_sheets()["区划"])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("区划.csv", body.getvalue())
    data = bytearray(buffer.getvalue())
    name = "区划.csv".encode()
    # clear the UTF-8 flag (bit 11) in the local and central headers, as Info-ZIP writes them
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(signature)
        flags = int.from_bytes(data[at + flag_at:at + flag_at + 2], "little") & ~0x800
        data[at + flag_at:at + flag_at + 2] = flags.to_bytes(2, "little")
    assert name in data
    book = imports.read_bytes(bytes(data), "linux.zip")
    assert list(book.sheets) == ["区划"]


def test_a_new_sqlite_database_is_readable_by_its_owner_only(tmp_path):
    from data_access import db

    url = f"sqlite:///{tmp_path / 'new' / 'data' / 'dashboard.db'}"
    db.upgrade(url)
    folder = tmp_path / "new" / "data"
    assert folder.stat().st_mode & 0o777 == 0o700
    for file in folder.iterdir():  # the database and its -wal / -shm files
        assert file.stat().st_mode & 0o077 == 0, (file.name, oct(file.stat().st_mode))
    db.get_engine(url).dispose()
