"""`python -m dashboard import`: exit codes, one line per problem, dry run, --keep-valid with a
rejects workbook, and the run recorded as 命令行."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from dashboard import cli
from data_access import models as m
from data_access.db import session_scope
from tests.import_workbooks import base_sheets, hand_typed, set_cell, write_xlsx


@pytest.fixture(autouse=True)
def restore_env(monkeypatch):
    """`main` sets DATABASE_URL from --db; monkeypatch puts it back after each test."""
    monkeypatch.setenv("DATABASE_URL", "sqlite:///unused.db")


def main(argv: list[str]) -> int:
    return cli.main(argv)


def persons(url) -> int:
    with session_scope(url) as s:
        return s.execute(select(func.count()).select_from(m.Person)).scalar_one()


def test_clean_import_exits_zero_and_is_recorded(db_url, tmp_path, capsys):
    assert main(["--db", db_url, "import", str(hand_typed(tmp_path / "h.xlsx"))]) == 0
    out = capsys.readouterr().out
    assert "导入成功" in out and "对象：新增 4" in out
    with session_scope(db_url) as s:
        run = s.scalars(select(m.ImportRun)).one()
        assert (run.username, run.outcome) == ("命令行", "成功")
        assert s.scalars(select(m.AuditEntry.username).where(m.AuditEntry.action == "import")).one() == "命令行"
    assert main(["--db", db_url, "import", str(tmp_path / "h.xlsx")]) == 0
    assert "对象：新增 0，更新 0，未变 4" in capsys.readouterr().out


def test_errors_exit_non_zero_one_line_each_and_store_nothing(sqlite_url, tmp_path, capsys):
    sheets = base_sheets()
    set_cell(sheets, "对象", 1, "性别", "女")
    set_cell(sheets, "联系记录", 2, "方式", "上门")
    path = write_xlsx(tmp_path / "bad.xlsx", sheets)
    assert main(["--db", sqlite_url, "import", str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert "对象 第2行 “性别”列（值：女）：与身份证号不一致（按身份证号应为男）" in lines
    assert any(line.startswith("联系记录 第3行 “方式”列（值：上门）") for line in lines)
    assert lines[-1].startswith("导入被拒绝")
    assert persons(sqlite_url) == 0


def test_dry_run_writes_nothing(sqlite_url, tmp_path, capsys):
    assert main(["--db", sqlite_url, "import", "--dry-run", str(hand_typed(tmp_path / "h.xlsx"))]) == 0
    assert "检查完成（未写入）" in capsys.readouterr().out
    assert persons(sqlite_url) == 0
    with session_scope(sqlite_url) as s:
        assert s.execute(select(func.count()).select_from(m.ImportRun)).scalar_one() == 0


def test_keep_valid_writes_rejects(sqlite_url, tmp_path, capsys):
    sheets = base_sheets()
    set_cell(sheets, "干部", 2, "职级", "股级")
    rejects = tmp_path / "rejects.xlsx"
    code = main(["--db", sqlite_url, "import", str(write_xlsx(tmp_path / "k.xlsx", sheets)), "--keep-valid",
                 "--rejects", str(rejects)])
    assert code == 1
    assert "已写入" in capsys.readouterr().out
    workbook = load_workbook(io.BytesIO(rejects.read_bytes()))
    assert workbook.sheetnames == ["干部", "结对", "联系记录"]
    assert [c.value for c in workbook["干部"][1]][-1] == "错误"
    assert persons(sqlite_url) == 2


def test_file_problems_exit_two(sqlite_url, tmp_path, capsys):
    doc = tmp_path / "报告.docx"
    doc.write_bytes(b"not a workbook")
    assert main(["--db", sqlite_url, "import", str(doc)]) == 2
    assert "不是 Excel 工作簿" in capsys.readouterr().err
    assert main(["--db", sqlite_url, "import", str(tmp_path / "none.xlsx")]) == 2
    assert "找不到文件" in capsys.readouterr().err
    assert main(["--db", sqlite_url, "import", str(doc), "--keep-valid"]) == 2
    assert "--rejects" in capsys.readouterr().err
