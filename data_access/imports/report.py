"""What an import tells the user: the problems as a table, and the rejects workbook — the rejected
rows of each sheet in the shape they came in, with an added 错误 column, ready to fix and import
again."""

from __future__ import annotations

import io
from collections import defaultdict

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from data_access.exporting import neutralise
from data_access.imports.reading import RawBook
from data_access.imports.schema import ERROR_COLUMN, SHEETS
from data_access.imports.validation import Problem

PROBLEM_COLUMNS = ["工作表", "行号", "列", "值", "问题"]


LISTED_PER_COLUMN = 20  # problems listed per sheet and column; the rest are counted


def listed(problems: list[Problem], per_column: int = LISTED_PER_COLUMN) -> tuple[list[Problem], str]:
    """The problems to list — the first `per_column` of each sheet and column, in order — and a
    Chinese line counting the rest ("" when all are listed). A careless or hostile file can have
    millions of problems; nobody reads past the first few of a kind."""
    seen: dict[tuple[str | None, str | None], int] = defaultdict(int)
    shown = []
    for problem in problems:
        key = (problem.sheet, problem.column)
        seen[key] += 1
        if seen[key] <= per_column:
            shown.append(problem)
    hidden = len(problems) - len(shown)
    if not hidden:
        return shown, ""
    return shown, (f"共 {len(problems)} 个问题，以上只列出每个工作表每一列的前 {per_column} 个，"
                   f"另有 {hidden} 个同类问题未列出；请先改正以上问题（可用“保留有效行”取得全部退回行及原因）")


def problems_frame(problems: list[Problem], per_column: int = LISTED_PER_COLUMN) -> pd.DataFrame:
    shown, rest = listed(problems, per_column)
    rows = [(p.sheet or "文件", p.row, p.column or "", p.value, p.message) for p in shown]
    if rest:
        rows.append(("（其余）", None, "", "", rest))
    return pd.DataFrame(rows, columns=PROBLEM_COLUMNS).astype({"行号": "Int64"})


def _messages(problems: list[Problem]) -> dict[tuple[str, int], list[str]]:
    by_row: dict[tuple[str, int], list[str]] = defaultdict(list)
    for problem in problems:
        if problem.sheet and problem.row:
            prefix = f"{problem.column}：" if problem.column else ""
            by_row[(problem.sheet, problem.row)].append(prefix + problem.message)
    return by_row


def rejects_workbook(book: RawBook, rejected: dict[str, dict], problems: list[Problem]) -> bytes:
    """The rejected rows, sheet by sheet, under the sheet's own header plus 错误."""
    by_row = _messages(problems)
    sheet_messages: dict[str, list[str]] = defaultdict(list)
    for problem in problems:
        if problem.sheet and (problem.row is None or problem.row == book.sheets[problem.sheet].header_row):
            sheet_messages[problem.sheet].append(problem.message)
    workbook = Workbook()
    workbook.remove(workbook.active)
    for spec in SHEETS:
        rows = rejected.get(spec.name) or {}
        if not rows:
            continue
        source = book.sheets[spec.name]
        sheet = workbook.create_sheet(spec.name)
        headers = [h for h in source.headers]
        width = max([len(headers)] + [len(r.cells) for r in rows.values()])
        headers += [""] * (width - len(headers))
        sheet.append([neutralise(h) for h in headers] + [ERROR_COLUMN])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.cell(row=1, column=width + 1).fill = PatternFill("solid", fgColor="F4CCCC")
        for excel_row in sorted(rows):
            raw = rows[excel_row]
            cells = list(raw.cells) + [None] * (width - len(raw.cells))
            message = "；".join(by_row.get((spec.name, excel_row), []) or sheet_messages.get(spec.name, []))
            sheet.append([neutralise(c) for c in cells] + [f"（原第{excel_row}行）{message}"])
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
