"""The template workbook offices download: every sheet with its exact columns, one example row
each, code columns formatted as text (so Excel keeps all 18 digits of an ID number), and a 填写说明
sheet (an unknown sheet, so importing the template as it is ignores it)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from data_access.imports.schema import SHEETS, TEXT_COLUMNS

REQUIRED_FILL = PatternFill("solid", fgColor="FCE5CD")
OPTIONAL_FILL = PatternFill("solid", fgColor="EFEFEF")
INSTRUCTIONS = "填写说明"


def template_bytes() -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for spec in SHEETS:
        sheet = workbook.create_sheet(spec.name)
        sheet.append(list(spec.columns))
        sheet.append(list(spec.example))
        for index, column in enumerate(spec.columns, start=1):
            header = sheet.cell(row=1, column=index)
            header.font = Font(bold=True)
            header.fill = REQUIRED_FILL if column in spec.required else OPTIONAL_FILL
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = max(10, len(column) * 2 + 4, len(str(spec.example[index - 1] or "")) + 4)
            if column in TEXT_COLUMNS:
                for row in range(2, 1001):
                    sheet.cell(row=row, column=index).number_format = "@"
        sheet.freeze_panes = "A2"
    notes = workbook.create_sheet(INSTRUCTIONS)
    notes.append(["工作表", "必填列（橙色表头）", "说明"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for spec in SHEETS:
        notes.append([spec.name, "、".join(spec.required), spec.note])
    notes.append(["", "", "每张表都是可选的；列的顺序不限；多出的列会被忽略。日期可写作 2023-05-03、2023/5/3、2023年5月3日 或 20230503。"
                          "导入时任何一行有错，整个文件都不导入，并列出每个错误所在的工作表、行号和列。示例行请删除后再填写。"])
    notes.column_dimensions["A"].width = 12
    notes.column_dimensions["B"].width = 40
    notes.column_dimensions["C"].width = 100
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
