"""Word briefs of typical cases (python-docx): one case, or the shortlist as one document or a zip of
documents. Everything written comes from `cases.case_card`, so the masking is exactly the page's
(aliases and ages only; no ID number, phone or real name). Each brief is stamped with who exported
it, when and for which region, and the export is audited ("export") in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from sqlalchemy.orm import Session

from data_access import audit, cases, db, permissions
from data_access.exporting import ExportStamp
from data_access.policy import Policy
from data_access.scope import Scope

FONT = "宋体"
HEADING_FONT = "黑体"


def _new_document(stamp: ExportStamp):
    document = Document()
    for style_name, font in (("Normal", FONT), ("Title", HEADING_FONT), ("Heading 1", HEADING_FONT)):
        style = document.styles[style_name]
        style.font.name = font
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    document.styles["Normal"].font.size = Pt(12)
    footer = document.sections[0].footer.paragraphs[0]
    footer.text = f"导出人：{stamp.exported_by}　导出时间：{stamp.at:%Y-%m-%d %H:%M}　仅限宣传审核使用，不得外传"
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return document


def approval_lines(info: cases.CaseInfo | None) -> list[str]:
    """The consent and approval sentences of a brief (what may be published, and who said so)."""
    if info is None:
        return ["尚未建立案例，不得对外发布。"]
    lines = []
    if info.has_consent:
        lines.append(f"知情同意：{info.consent_relation}{info.consent_by}于{info.consent_date:%Y年%m月%d日}同意，"
                     f"使用范围：{info.consent_scope}。")
    else:
        lines.append("知情同意：尚未登记，不得对外发布。")
    if info.approved_at:
        lines.append(f"审核：{info.approved_by}于{info.approved_at:%Y年%m月%d日}审核通过。")
    else:
        lines.append("审核：尚未经领导审核，不得对外发布。")
    lines.append(f"案例编号：{info.id}　当前状态：{info.status}")
    return lines


def _write_case(document, card: cases.CaseCard, stamp: ExportStamp) -> None:
    document.add_heading(card.headline, level=0)
    theme = card.case.theme if card.case and card.case.theme else "、".join(card.themes) or "—"
    meta = document.add_paragraph(f"主题：{theme}　地区：{card.township}{card.village}　结对：{card.role}")
    meta.runs[0].italic = True

    document.add_heading("一、案例故事", level=1)
    for paragraph in card.story.splitlines():
        if paragraph.strip():
            document.add_paragraph(paragraph.strip())

    document.add_heading("二、主要事实", level=1)
    facts = [("结对干部", f"{card.cadre}（{card.cadre_rank}，{card.unit}）"), ("关爱对象", card.who), *card.facts]
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in facts:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value

    if card.changes:
        document.add_heading("三、帮扶成效", level=1)
        for change in card.changes:
            document.add_paragraph(change, style="List Bullet")

    document.add_heading("四、审核情况", level=1)
    for line in approval_lines(card.case):
        document.add_paragraph(line)
    closing = document.add_paragraph()
    closing.add_run("；".join(f"{key}：{value}" for key, value in stamp.lines())).font.size = Pt(9)


def _stamp(what: str, exported_by: str, region_name: str) -> ExportStamp:
    return ExportStamp(exported_by=exported_by, what=what, region=region_name, at=dt.datetime.now().replace(microsecond=0))


def _audit(session: Session, scope: Scope, username: str, what: str, ids: list[int], fmt: str) -> None:
    audit.record(session, username, "export", scope.prefix or None, what, {"cases": ids, "format": fmt})
    db.bump_version(session, status_inputs=False, evidence_inputs=False, assessment_inputs=False, signal_inputs=False)


def _docx_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def case_brief(
    session: Session,
    scope: Scope,
    as_of: dt.date,
    policy: Policy,
    case_id: int,
    exported_by: str,
    region_name: str,
    *,
    actor: permissions.Actor,
) -> bytes:
    """One case's brief as a .docx file (aliases only: whoever may view cases may take it)."""
    permissions.check(actor, "view_cases", scope)
    username = actor.username
    card = cases.case_card(session, scope, as_of, policy, case_id=case_id)
    stamp = _stamp(f"典型案例简报（案例{case_id}）", exported_by, region_name)
    document = _new_document(stamp)
    _write_case(document, card, stamp)
    _audit(session, scope, username, stamp.what, [case_id], "docx")
    return _docx_bytes(document)


def shortlist_briefs(
    session: Session,
    scope: Scope,
    as_of: dt.date,
    policy: Policy,
    exported_by: str,
    region_name: str,
    as_zip: bool = False,
    *,
    actor: permissions.Actor,
) -> bytes:
    """The shortlist (入围, 已同意, 已审核, 已发布 cases in scope): one .docx with a page per case, or a
    .zip with one .docx per case. Raises CaseError when there is nothing to export."""
    permissions.check(actor, "view_cases", scope)
    username = actor.username
    ids = cases.case_ids(session, scope)
    if not ids:
        raise cases.CaseError("当前范围内没有入围的案例，无法导出")
    stamp = _stamp(f"入围典型案例简报（{len(ids)} 件）", exported_by, region_name)
    cards = [cases.case_card(session, scope, as_of, policy, case_id=case_id) for case_id in ids]
    if as_zip:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for card in cards:
                document = _new_document(stamp)
                _write_case(document, card, stamp)
                archive.writestr(f"案例{card.case.id}_{card.case.status}.docx", _docx_bytes(document))
        data = buffer.getvalue()
    else:
        document = _new_document(stamp)
        for index, card in enumerate(cards):
            if index:
                document.add_page_break()
            _write_case(document, card, stamp)
        data = _docx_bytes(document)
    _audit(session, scope, username, stamp.what, ids, "zip" if as_zip else "docx")
    return data
