"""`python -m dashboard export overdue` run as a user runs it (a subprocess), on the hand-worked
ledger of test_needs_ledger.py, SQLite and PostgreSQL."""

import io
import subprocess
import sys

import openpyxl
import pandas as pd
from sqlalchemy import select

from data_access.db import session_scope
from data_access.models import AuditEntry
from tests import builders as b
from tests import test_needs_ledger as ledger
from tests.apptest import ROOT

REQUIRED = ["诉求编号", "户编号", "类别", "责任层级", "提出日期", "办理期限", "逾期天数"]
OVERDUE_ON_D = ["N04", "N07", "N13", "N12", "N06", "N11", "N10", "N14", "N09", "N08", "N02"]


def run(url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dashboard", "--db", url, "export", "overdue", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_export_overdue_xlsx_and_csv(db_url, tmp_path):
    ledger.build(db_url)
    out = tmp_path / "逾期.xlsx"
    done = run(db_url, "--as-of", ledger.D.isoformat(), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert f"已导出 {len(OVERDUE_ON_D)} 行" in done.stdout
    book = openpyxl.load_workbook(io.BytesIO(out.read_bytes()))
    frame = pd.DataFrame(list(book.worksheets[0].iter_rows(values_only=True))[1:],
                         columns=[c.value for c in book.worksheets[0][1]])
    assert set(REQUIRED) <= set(frame.columns)
    assert list(frame["诉求编号"]) == OVERDUE_ON_D  # N04 was closed after D: still overdue on D
    rows = frame.set_index("诉求编号")
    assert (rows.loc["N04", "逾期天数"], rows.loc["N02", "逾期天数"], rows.loc["N02", "责任层级"]) == (135, 1, "单位")
    assert "N01" not in rows.index and "N03" not in rows.index and "N05" not in rows.index
    assert "导出说明" in book.sheetnames

    csv = tmp_path / "逾期.csv"
    done = run(db_url, "--as-of", ledger.D.isoformat(), "--region", b.TOWNSHIP_B, "--out", str(csv))
    assert done.returncode == 0, done.stderr
    text = csv.read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0].split(",")[:3] == ["诉求编号", "户编号", "乡镇"]
    assert text.splitlines()[1].startswith("N14,")
    with session_scope(db_url) as s:
        assert s.execute(select(AuditEntry.action).where(AuditEntry.action == "export")).scalars().all() == [
            "export", "export"]


def test_export_overdue_tells_what_is_wrong_in_chinese(sqlite_url, tmp_path):
    done = run(sqlite_url, "--as-of", "2024-13-01", "--out", str(tmp_path / "x.xlsx"))
    assert done.returncode == 2 and "日期格式应为 YYYY-MM-DD" in done.stderr and "Traceback" not in done.stderr
    done = run(sqlite_url, "--as-of", "2024-06-15", "--out", str(tmp_path / "x.pdf"))
    assert done.returncode == 2 and "错误：输出文件应以 .csv 或 .xlsx 结尾" in done.stderr
