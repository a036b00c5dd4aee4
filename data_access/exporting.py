"""Spreadsheet and CSV exports: one writer for every export of the app and the CLI.

- CSV is UTF-8 with a BOM so Excel opens it in Chinese;
- text cells beginning with = + - @ (or a tab/CR) are neutralised with a leading apostrophe, so an
  export can never run a formula;
- a workbook states who exported what and when (its 导出说明 sheet); a CSV is plain data, the
  header and the rows only, so pandas, Excel filters and other programs read it as it is (who
  exported it is in the audit log, which the caller writes in the same transaction; the file name
  carries the date).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportStamp:
    exported_by: str  # username (display name)
    what: str  # e.g. 滞后干部名单
    region: str  # region name the rows are limited to
    at: dt.datetime

    def lines(self) -> list[tuple[str, str]]:
        return [
            ("导出内容", self.what),
            ("数据范围", self.region),
            ("导出人", self.exported_by),
            ("导出时间", self.at.strftime("%Y-%m-%d %H:%M:%S")),
            ("提示", "本文件含个人信息，仅限工作使用，不得外传。"),
        ]


def neutralise(value):
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value


def _safe(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            frame[column] = frame[column].map(neutralise)
    frame.columns = [neutralise(str(c)) for c in frame.columns]
    return frame


def to_csv_bytes(frame: pd.DataFrame, stamp: ExportStamp | None = None) -> bytes:
    """The header and the data rows, nothing after them. `stamp` is accepted for the callers that
    write either format and is not written: a CSV carries no stamp lines."""
    del stamp
    buffer = io.StringIO()
    _safe(frame).to_csv(buffer, index=False)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _cell(value):
    """A frame's value as openpyxl writes it: missing (None, NaN, NaT) as an empty cell, numpy and
    pandas scalars as plain Python, text neutralised."""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, (list, tuple, dict, set)):
        return neutralise(str(value))  # never a cell openpyxl refuses
    if value is None or pd.isna(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _write_sheet(book: Workbook, name: str, frame: pd.DataFrame) -> None:
    """One sheet in write-only mode: a bold header frozen above the rows, columns as wide as their
    first 200 values."""
    sheet = book.create_sheet(name)
    sheet.freeze_panes = "A2"
    values = [[_cell(v) for v in row] for row in frame.to_numpy(dtype=object, na_value=None).tolist()]
    for index, column in enumerate(frame.columns, start=1):
        width = max([len(str(column))] + [len(str(row[index - 1])) for row in values[:200]
                                          if row[index - 1] is not None]) + 2
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width * 1.6, 8), 60)
    header = []
    for column in frame.columns:
        cell = WriteOnlyCell(sheet, value=neutralise(str(column)))
        cell.font = _HEADER_FONT
        header.append(cell)
    sheet.append(header)
    for row in values:
        sheet.append(row)


_HEADER_FONT = Font(bold=True)


def to_xlsx_bytes(sheets: dict[str, pd.DataFrame], stamp: ExportStamp) -> bytes:
    """One or more sheets (name → rows), plus the 导出说明 sheet. Written cell by cell in openpyxl's
    write-only mode: a workbook of one sheet per unit (73 for the county demo) took 1–2 s of CPU
    through pandas' writer (a copy and a map of every frame, its cell objects), 9 s on the shared
    machine."""
    book = Workbook(write_only=True)
    for name, frame in sheets.items():
        _write_sheet(book, name[:31], frame)
    _write_sheet(book, STAMP_SHEET, pd.DataFrame(stamp.lines(), columns=["项目", "内容"]))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


_SHEET_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})
STAMP_SHEET = "导出说明"


def sheet_names(names: list[str]) -> list[str]:
    """Excel sheet names for `names`, in order: forbidden characters replaced, at most 31 characters,
    none empty, none the stamp sheet's, all distinct (a repeat gets （2）, （3）…)."""
    taken = {STAMP_SHEET}
    result = []
    for name in names:
        base = (str(name).translate(_SHEET_FORBIDDEN).strip().strip("'") or "未填单位")[:31]
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            suffix = f"（{n}）"
            candidate = base[: 31 - len(suffix)] + suffix
        taken.add(candidate)
        result.append(candidate)
    return result


def write_file(frame: pd.DataFrame, path: Path, stamp: ExportStamp, sheet_name: str = "数据") -> None:
    """Write `frame` to `path`; the suffix (.csv or .xlsx) picks the format."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        data = to_csv_bytes(frame, stamp)
    elif suffix == ".xlsx":
        data = to_xlsx_bytes({sheet_name: frame}, stamp)
    else:
        raise ValueError(f"不支持的导出格式“{path.suffix}”，请使用 .csv 或 .xlsx")
    path.write_bytes(data)
