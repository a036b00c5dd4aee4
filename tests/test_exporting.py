import datetime as dt
import io

import openpyxl
import pandas as pd

from data_access import masking
from data_access.exporting import ExportStamp, to_csv_bytes, to_xlsx_bytes

STAMP = ExportStamp("inspector", "滞后干部名单", "西和县", dt.datetime(2026, 11, 23, 9, 30))


def test_csv_has_bom_neutralised_formulas_and_nothing_after_the_rows():
    data = to_csv_bytes(pd.DataFrame({"姓名": ["=HYPERLINK(1)", "张三"], "次数": [-1, 2]}), STAMP)
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text and "\n=HYPERLINK" not in text
    assert "导出人" not in text and "inspector" not in text
    assert text.splitlines() == ["姓名,次数", "'=HYPERLINK(1),-1", "张三,2"]


def test_csv_reads_back_with_pandas_into_exactly_the_rows():
    frame = pd.DataFrame({"身份证号": ["6212************34", "6212************61"], "姓名": ["李*英", "刘*红"],
                          "联系次数": [3, 0], "最近联系": ["2024-06-10", ""], "备注": ["含,逗号", "换\n行"]})
    back = pd.read_csv(io.BytesIO(to_csv_bytes(frame, STAMP)), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert back.to_dict("records") == frame.astype(str).to_dict("records")


def test_xlsx_has_data_and_stamp_sheets_and_no_formula():
    data = to_xlsx_bytes({"名单": pd.DataFrame({"内容": ["@SUM(A1)", "+1", "正常"]})}, STAMP)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["名单", "导出说明"]
    values = [c.value for c in book["名单"]["A"]][1:]
    assert values == ["'@SUM(A1)", "'+1", "正常"]
    assert all(c.data_type != "f" for row in book["名单"].iter_rows() for c in row)
    assert ["导出人", "inspector"] in [[c.value for c in row] for row in book["导出说明"].iter_rows()]


def test_xlsx_keeps_numbers_dates_and_empty_cells():
    """The workbook (written cell by cell, write-only) keeps numbers as numbers and dates as dates,
    shows a missing value as an empty cell (never None, nan or NaT) and freezes a bold header."""
    frame = pd.DataFrame({"干部": ["李华", None], "次数": [3, 0], "比例": [0.5, float("nan")],
                          "日期": [dt.date(2026, 11, 30), None],
                          "时间": [pd.Timestamp("2026-12-01 08:30"), pd.NaT]})
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes({"名单": frame}, STAMP)))["名单"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows == [["干部", "次数", "比例", "日期", "时间"],
                    ["李华", 3, 0.5, dt.datetime(2026, 11, 30), dt.datetime(2026, 12, 1, 8, 30)],
                    [None, 0, None, None, None]]
    assert sheet["D2"].is_date and sheet["A1"].font.bold and sheet.freeze_panes == "A2"
    back = pd.read_excel(io.BytesIO(to_xlsx_bytes({"名单": frame}, STAMP)), sheet_name="名单")
    assert back["次数"].tolist() == [3, 0] and back["干部"].isna().tolist() == [False, True]


def test_masks():
    assert masking.mask_id_number("621225199001011234") == "6212************34"
    assert masking.mask_phone("13812345678") == "138****5678"
    assert masking.mask_name("王小明") == "王*明"
