"""季考核 documents: the assessment workbook (xlsx / csv) and the Word notice
关于YYYY年第N季度结对关爱工作考核情况的通报, from the frozen sheet when the quarter is frozen for
the region, else from the recomputation. The page, the CLI and the notice read the same sheet."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pandas as pd
from sqlalchemy.orm import Session

from data_access import assessment, assessment_late, audit, permissions, regions
from data_access.assessment import LEVEL_TOWNSHIP, LEVEL_UNIT, NAME_LABELS, PART_SCORE_LABELS, Line, Quarter
from data_access.bulletin import _paragraph, _table, cn_date
from data_access.exporting import ExportStamp, to_csv_bytes, to_xlsx_bytes
from data_access.policy import Policy
from data_access.vocabulary import GRADES


@dataclass(frozen=True)
class Sheet:
    quarter: Quarter
    region_code: str | None
    region_name: str
    units: list[Line]
    townships: list[Line]
    settings: dict[str, int]
    frozen_at: dt.datetime | None  # None: computed now, not frozen
    frozen_by: str | None

    @property
    def title(self) -> str:
        return f"关于{self.quarter.year}年第{self.quarter.number}季度结对关爱工作考核情况的通报"

    @property
    def basis(self) -> str:
        if self.frozen_at is None:
            return f"按现有记录计算（截至{cn_date(self.quarter.end)}，尚未冻结）"
        return f"冻结结果（{self.frozen_by}于{self.frozen_at:%Y-%m-%d %H:%M}冻结）"


def current(session: Session, region_code: str | None, quarter: Quarter, policy: Policy, *,
            actor: permissions.Actor) -> Sheet:
    """The quarter's sheet for `region_code` inside the actor's region: frozen when frozen, else
    computed now."""
    permissions.check(actor, "view_assessment")
    scope = actor.scope.narrow(region_code)
    name = regions.get(session, region_code).name if region_code else "全部地区"
    frozen = assessment.find_freeze(session, quarter, region_code)
    if frozen is not None:
        return Sheet(quarter, region_code, name, frozen.units, frozen.townships, frozen.settings, frozen.frozen_at,
                     frozen.frozen_by)
    return Sheet(quarter, region_code, name,
                 assessment.sheet(session, scope, region_code, quarter, policy, LEVEL_UNIT),
                 assessment.sheet(session, scope, region_code, quarter, policy, LEVEL_TOWNSHIP),
                 assessment.settings_of(policy), None, None)


def report_frame(lines: list[Line], level: str, settings: dict[str, int]) -> pd.DataFrame:
    """The CLI's columns: name, 得分, the five part scores (empty for a part left out), 等级, 排名."""
    full = assessment.frame(lines, level, settings)
    return full[[NAME_LABELS[level], "得分", *PART_SCORE_LABELS.values(), "等级", "排名"]]


def workbook(sheet: Sheet, exported_by: str, late: pd.DataFrame | None = None) -> bytes:
    """单位考核 and 乡镇考核 (the report's columns), 单位考核明细 and 乡镇考核明细 (with the inputs
    and the change from last quarter), 考核设置 (the weights and grade thresholds used); for a frozen
    sheet, 冻结后补录记录 (`late`: the records dated in the quarter entered after the freeze)."""
    stamp = ExportStamp(exported_by, f"{sheet.quarter.label}结对关爱工作考核（{sheet.basis}）", sheet.region_name,
                        dt.datetime.now())
    detail = {level: assessment.frame(lines, level, sheet.settings).drop(columns="代码")
              for level, lines in ((LEVEL_UNIT, sheet.units), (LEVEL_TOWNSHIP, sheet.townships))}
    return to_xlsx_bytes({
        "单位考核": report_frame(sheet.units, LEVEL_UNIT, sheet.settings),
        "乡镇考核": report_frame(sheet.townships, LEVEL_TOWNSHIP, sheet.settings),
        "单位考核明细": detail[LEVEL_UNIT],
        "乡镇考核明细": detail[LEVEL_TOWNSHIP],
        "考核设置": assessment.settings_frame(sheet.settings),
        **({"冻结后补录记录": late} if late is not None else {}),
    }, stamp)


def _grade_counts(lines: list[Line]) -> str:
    counts = {g: sum(1 for line in lines if line.grade == g) for g in GRADES}
    return "，".join(f"{g} {n} 个" for g, n in counts.items())


def _names(lines: list[Line], wanted: str) -> str:
    return "、".join(line.name for line in lines if line.grade == wanted)


def notice(sheet: Sheet) -> bytes:
    """The Word notice: results by grade, the tables, the units commended and those graded 差, and
    how the score is made (the settings used)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    doc = Document()
    section = doc.sections[0]
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    office = f"{sheet.region_name}结对关爱行动领导小组办公室"
    s = sheet.settings
    _paragraph(doc, office, "方正小标宋简体", 22, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _paragraph(doc, sheet.title, "方正小标宋简体", 20, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _paragraph(doc, "各乡镇、各结对帮扶单位：", indent=False)
    weights = "、".join(f"{label}{s[weight]}分" for _, label, weight, _ in assessment.PARTS)
    _paragraph(doc, f"按照“周督查、月通报、季考核”工作要求，现将{sheet.quarter.label}结对关爱工作考核情况通报如下。"
               f"考核以{cn_date(sheet.quarter.end)}为截止日，按联系、走访、诉求办理、群众满意度、督办落实五项计分"
               f"（权重：{weights}；无可考核内容的项目不计，其余项目按权重折算为百分制），"
               f"{s['assess_grade_good']}分以上为好，{s['assess_grade_fine']}分以上为较好，"
               f"{s['assess_grade_fair']}分以上为一般，以下为差。本通报依据{sheet.basis}。")
    _paragraph(doc, "一、总体情况", "黑体", 16)
    if not sheet.units:
        _paragraph(doc, f"{sheet.quarter.label}，{sheet.region_name}没有在结对的干部，无考核结果。")
    else:
        _paragraph(doc, f"参加考核的工作单位 {len(sheet.units)} 个：{_grade_counts(sheet.units)}；"
                   f"乡镇 {len(sheet.townships)} 个：{_grade_counts(sheet.townships)}。")
    _paragraph(doc, "二、各单位考核结果", "黑体", 16)
    if sheet.units:
        _table(doc, report_frame(sheet.units, LEVEL_UNIT, s).astype(object).fillna("—"))
    _paragraph(doc, "三、各乡镇考核结果", "黑体", 16)
    if sheet.townships:
        _table(doc, report_frame(sheet.townships, LEVEL_TOWNSHIP, s).astype(object).fillna("—"))
    _paragraph(doc, "四、表扬和通报", "黑体", 16)
    good, poor = _names(sheet.units, GRADES[0]), _names(sheet.units, GRADES[-1])
    _paragraph(doc, f"考核等级为“好”的单位：{good}，予以通报表扬。" if good else "本季度没有考核等级为“好”的单位。")
    _paragraph(doc, f"考核等级为“差”的单位：{poor}，请认真查找原因，限期整改，整改情况报县结对关爱行动领导小组办公室。"
               if poor else "本季度没有考核等级为“差”的单位。")
    _paragraph(doc, "各单位要对照考核结果，逐户核实联系走访、诉求办理和督办落实情况，补齐短板，确保结对关爱工作取得实效。")
    _paragraph(doc, office, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    _paragraph(doc, cn_date(sheet.frozen_at.date() if sheet.frozen_at else sheet.quarter.end),
               align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


FORMATS = ("xlsx", "csv", "docx")


def export(session: Session, region_code: str | None, quarter: Quarter, policy: Policy, fmt: str, *,
           actor: permissions.Actor) -> bytes:
    """The quarter's workbook (xlsx), unit sheet (csv) or notice (docx), audited."""
    permissions.check(actor, "view_assessment")
    if fmt not in FORMATS:
        raise ValueError(f"不支持的格式“{fmt}”，请使用 .xlsx、.csv 或 .docx")
    sheet = current(session, region_code, quarter, policy, actor=actor)
    if fmt == "xlsx":
        late = None if sheet.frozen_at is None else assessment_late.late_frame(
            session, actor.scope.narrow(region_code), quarter, sheet.frozen_at)
        data = workbook(sheet, actor.username, late)
    elif fmt == "csv":
        stamp = ExportStamp(actor.username, f"{quarter.label}结对关爱工作考核（{sheet.basis}）", sheet.region_name,
                            dt.datetime.now())
        data = to_csv_bytes(report_frame(sheet.units, LEVEL_UNIT, sheet.settings), stamp)
    else:
        data = notice(sheet)
    audit.record(session, actor.username, "export", region_code, sheet.title if fmt == "docx" else quarter.label + "考核",
                 {"format": fmt, "quarter": quarter.code, "frozen": sheet.frozen_at is not None})
    return data
