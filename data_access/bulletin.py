"""The monthly bulletin (月通报): `figures` gathers the month's figures for a region once — from the
same functions the pages call (coverage.snapshot, coverage.by_region, rankings, trends) — and the
renderers turn that one result into a Word notice (python-docx, charts drawn with matplotlib) and
a workbook (data_access.exporting). The page preview, the download buttons and
`python -m dashboard report bulletin` all go through `figures`, so they cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pandas as pd
from sqlalchemy.orm import Session

from data_access import audit, coverage, formatting, rankings, regions, satisfaction, signals, trends
from data_access.config import current_date
from data_access.coverage import Snapshot
from data_access.exporting import ExportStamp, to_xlsx_bytes
from data_access.permissions import Actor, check
from data_access.policy import Policy
from data_access.scope import Scope
from data_access.trends import PeriodActivity
from data_access.vocabulary import GROUP_COLOURS, GROUPS

CJK_FONT = "Noto Sans CJK SC"


class BulletinMonthError(ValueError):
    """A month that has not started yet."""


@dataclass(frozen=True)
class Bulletin:
    year: int
    month: int
    region_code: str | None
    region_name: str
    as_of: dt.date  # the month's last day, or today while the month is still running
    current: Snapshot  # coverage.snapshot on as_of
    previous: Snapshot  # coverage.snapshot on the previous month's end
    month_activity: PeriodActivity  # contacts, visits and gifts recorded in the month
    monthly: pd.DataFrame  # trends.monthly_activity of the year up to as_of
    holidays: pd.DataFrame  # trends.holiday_contacts of the festivals in the month
    by_region: pd.DataFrame  # coverage.by_region one level down
    units: pd.DataFrame  # rankings.units
    region_ranking: pd.DataFrame  # rankings.regions
    return_visits: satisfaction.Rate | None = None  # 满意度回访 dated in the month (1st … as_of)
    checking: signals.MonthFigures | None = None  # 回访 agreeing with the records, signals found (no names)

    @property
    def title(self) -> str:
        return f"关于{self.year}年{self.month}月结对关爱工作情况的通报"

    @property
    def lagging_units(self) -> list[str]:
        return rankings.lagging(self.units)

    @property
    def lagging_regions(self) -> list[str]:
        return rankings.lagging(self.region_ranking)

    @property
    def is_empty(self) -> bool:
        return self.current.head.persons == 0


def bulletin_as_of(year: int, month: int, today: dt.date) -> dt.date:
    first = dt.date(year, month, 1)
    if first > today:
        raise BulletinMonthError(f"{year}年{month}月尚未开始，无法生成通报")
    return min(trends.month_end(year, month), today)


def figures(session: Session, scope: Scope, region_code: str | None, year: int, month: int, policy: Policy,
            today: dt.date | None = None) -> Bulletin:
    """The month's bulletin figures for the region chosen inside `scope` (None: the whole scope)."""
    as_of = bulletin_as_of(year, month, today or current_date())
    region = regions.get(session, region_code) if region_code else None
    roots = coverage.top_regions(session, scope) if region is None else []
    name = region.name if region else (roots[0].name if len(roots) == 1 else "全部地区")
    by_region = coverage.by_region(session, scope, region_code, as_of, policy)
    return Bulletin(
        year=year,
        month=month,
        region_code=region_code,
        region_name=name,
        as_of=as_of,
        current=coverage.snapshot(session, scope, as_of, policy),
        previous=coverage.snapshot(session, scope, coverage.previous_month_end(as_of), policy),
        month_activity=trends.activity(session, scope, dt.date(year, month, 1), as_of),
        monthly=trends.monthly_activity(session, scope, as_of),
        holidays=trends.holiday_contacts(session, scope, dt.date(year, month, 1), as_of),
        by_region=by_region,
        units=rankings.units(session, scope, as_of, policy),
        region_ranking=rankings.rank_regions(by_region, policy),
        return_visits=satisfaction.rate(session, scope, dt.date(year, month, 1), as_of, policy),
        checking=signals.month_figures(session, scope, dt.date(year, month, 1), as_of, policy),
    )


# -- wording shared by the page, the notice and the workbook ----------------------------------


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


pct = formatting.pct  # shares, as the pages write them: 45.2%
n = formatting.count  # counts, as the pages write them: 2,328


def _points(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return ""
    diff = (now - before) * 100
    if abs(diff) < 0.05:
        return "，与上月末持平"
    return f"，较上月末{'提高' if diff > 0 else '下降'}{abs(diff):.1f}个百分点"


def key_figures(b: Bulletin) -> list[tuple[str, str]]:
    """The headline figures as (label, value) rows: the page preview and the workbook's first sheet."""
    head, comp, need = b.current.head, b.current.compliance, b.current.needs
    rows = [
        ("统计截至", f"{b.as_of:%Y-%m-%d}"),
        ("在册关爱对象（人）", n(head.persons)),
        ("在册户数（户）", n(head.households)),
        *((f"其中{g.group}（人）", n(g.persons)) for g in head.groups),
        ("已结对人数（人）", n(head.paired_persons)),
        ("结对覆盖率", pct(head.coverage)),
        ("结对干部（名）", n(head.cadres_paired)),
        ("达标干部（名）", n(comp.cadres_on_track)),
        ("干部达标率", pct(comp.cadre_on_track_share)),
        ("本月联系（次）", n(b.month_activity.contacts)),
        ("本月实地走访（次）", n(b.month_activity.visits)),
        ("本月慰问金额（元）", formatting.money(b.month_activity.gifts_yuan)),
        ("今年累计联系 / 应联系（次）", f"{n(comp.done_contacts)} / {n(comp.owed_contacts)}"),
        ("今年累计走访 / 应走访（次）", f"{n(comp.done_visits)} / {n(comp.owed_visits)}"),
        ("今年慰问金额（元）", formatting.money(head.gifts_yuan)),
        ("在办诉求（件）", n(need.open)),
        ("逾期诉求（件）", n(need.overdue)),
    ]
    if b.return_visits is not None:
        rows += [("本月满意度回访（次）", n(b.return_visits.checks)), ("本月满意率", pct(b.return_visits.rate)),
                 ("本月不满意（次）", n(b.return_visits.dissatisfied))]
    if b.checking is not None:
        rows += [("回访中家属说法与登记记录相符比例", pct(b.checking.share_agreeing)),
                 *((f"真实性核查：{name}（干部人数）", n(count)) for name, count in b.checking.cadres_by_signal.items())]
    return rows


def summary_paragraph(b: Bulletin) -> str:
    head, comp, need = b.current.head, b.current.compliance, b.current.needs
    before = b.previous
    groups = "、".join(f"{g.group}{n(g.persons)}人" for g in head.groups)
    return (
        f"截至{cn_date(b.as_of)}，{b.region_name}三类困难群体在册关爱对象{n(head.persons)}人、{n(head.households)}户"
        f"（{groups}），已结对{n(head.paired_persons)}人，结对覆盖率{pct(head.coverage)}"
        f"{_points(head.coverage, before.head.coverage)}。"
        f"参与结对干部{n(head.cadres_paired)}名，按规定频次联系走访达标{n(comp.cadres_on_track)}名，"
        f"达标率{pct(comp.cadre_on_track_share)}"
        f"{_points(comp.cadre_on_track_share, before.compliance.cadre_on_track_share)}。"
        f"本月联系结对户{n(b.month_activity.contacts)}次，其中实地走访{n(b.month_activity.visits)}次，"
        f"慰问金额{formatting.money(b.month_activity.gifts_yuan)}元；今年以来累计联系{n(comp.done_contacts)}次"
        f"（应联系{n(comp.owed_contacts)}次）、实地走访{n(comp.done_visits)}次（应走访{n(comp.owed_visits)}次），"
        f"慰问金额{formatting.money(head.gifts_yuan)}元。诉求台账在办{n(need.open)}件，其中逾期{n(need.overdue)}件。"
        + _visits_sentence(b)
        + checking_sentence(b)
    )


def _visits_sentence(b: Bulletin) -> str:
    visits = b.return_visits
    if visits is None:
        return ""
    if visits.checks == 0:
        return "本月没有满意度回访记录。"
    return (f"本月满意度回访{n(visits.checks)}次，群众满意率（满意和基本满意）{pct(visits.rate)}，"
            f"评价不满意{n(visits.dissatisfied)}次。")


def checking_sentence(b: Bulletin) -> str:
    """Whether the families' accounts agree with the records, and the signals found (counts only)."""
    c = b.checking
    if c is None:
        return ""
    found = "、".join(f"{name}{n(count)}人" for name, count in c.cadres_by_signal.items() if count)
    agree = (f"回访中家属关于干部是否上门的说法与登记记录相符的占{pct(c.share_agreeing)}。"
             if c.answered else "")
    signals_found = (f"今年以来真实性核查发现需核实的线索：{found}（均为待核实线索，不作为结论）。" if found
                     else "今年以来真实性核查未发现需核实的线索。")
    return agree + signals_found


def region_note(b: Bulletin) -> str:
    """Under the table by region: why its 结对干部 may add up to more than the region's own figure (a
    cadre paired with households in two areas counts once in each); empty when they agree."""
    if b.by_region.empty:
        return ""
    added, whole = int(b.by_region["结对干部"].sum()), b.current.head.cadres_paired
    if added <= whole:
        return ""
    return (f"注：“结对干部”按各地区分别计数，在两个及以上地区都有结对户的干部在每个地区各计一次，"
            f"因此各地区相加为{n(added)}名，多于{b.region_name}结对干部{n(whole)}名（重复计数{n(added - whole)}名次）。")


REQUIREMENTS = ("下步要求：各单位要对照通报问题，逐户逐人核实结对联系情况，落实“每季度至少联系一次、每半年至少"
                "实地走访一次”的要求，对群众反映的困难问题建立台账、限时办结，确保结对关爱工作取得实效。")
MAX_WORDING_CHARS = 3000


class BulletinTextError(ValueError):
    """Edited wording that cannot go out (empty, too long), said in Chinese."""


@dataclass(frozen=True)
class Wording:
    """The bulletin's wording that a leader may edit before it is issued: 一、总体情况, 四、存在问题
    and the closing 下步要求. None: the generated text."""

    summary: str | None = None
    problems: str | None = None
    requirements: str | None = None


WORDING_PARTS = {"summary": "总体情况", "problems": "存在问题", "requirements": "下步要求"}


def generated_wording(b: Bulletin) -> Wording:
    """The text the bulletin's figures give (what the page offers to edit)."""
    summary = f"截至{cn_date(b.as_of)}，{b.region_name}暂无在册关爱对象。" if b.is_empty else summary_paragraph(b)
    return Wording(summary, lagging_paragraph(b), REQUIREMENTS)


def final_wording(b: Bulletin, edited: Wording | None) -> tuple[Wording, tuple[str, ...]]:
    """The wording that goes out — each part as edited, else as generated — and the names of the
    parts edited (differing from the generated text). Refused (BulletinTextError): a part emptied or
    longer than MAX_WORDING_CHARS."""
    generated = generated_wording(b)
    if edited is None:
        return generated, ()
    parts, changed = {}, []
    for key, label in WORDING_PARTS.items():
        text = getattr(edited, key)
        if text is None:
            parts[key] = getattr(generated, key)
            continue
        text = text.strip()
        if not text:
            raise BulletinTextError(f"通报的“{label}”不能为空；如要用系统生成的文字，请点“恢复系统生成的文字”")
        if len(text) > MAX_WORDING_CHARS:
            raise BulletinTextError(f"通报的“{label}”有 {len(text)} 字，超过 {MAX_WORDING_CHARS} 字，请精简")
        parts[key] = text
        if text != getattr(generated, key):
            changed.append(label)
    return Wording(**parts), tuple(changed)


def lagging_paragraph(b: Bulletin) -> str:
    units = b.units.set_index("工作单位")
    regions_ = b.region_ranking.set_index("地区")
    parts = []
    if b.lagging_units:
        named = "、".join(f"{n}（{pct(units.loc[n, '达标率'])}）" for n in b.lagging_units)
        parts.append(f"干部达标率排名靠后的单位：{named}。")
    if b.lagging_regions:
        named = "、".join(f"{n}（{pct(regions_.loc[n, '达标率'])}）" for n in b.lagging_regions)
        parts.append(f"干部达标率排名靠后的地区：{named}。")
    if not parts:
        return "本月各单位、各地区结对干部均已按规定频次联系走访，未发现滞后单位。"
    return "".join(parts) + "请上述单位和地区认真分析原因，督促结对干部尽快补齐联系走访次数，并于下月通报前整改到位。"


def region_table(b: Bulletin) -> pd.DataFrame:
    """The by-region rows as the notice and workbook show them (shares as percentages)."""
    f = b.by_region
    return pd.DataFrame({
        "地区": f["地区"],
        **{g: f[g] for g in GROUPS},
        "在册人数": f["在册人数"],
        "已结对人数": f["已结对人数"],
        "覆盖率": f["覆盖率"].map(pct),
        "结对干部": f["结对干部"],
        "达标率": f["达标率"].map(pct),
        "逾期诉求": f["逾期诉求"],
    })


def unit_table(b: Bulletin) -> pd.DataFrame:
    f = b.units
    return pd.DataFrame({
        "排名": f["排名"],
        "工作单位": f["工作单位"],
        "结对干部": f["结对干部"],
        "达标干部": f["达标干部"],
        "滞后干部": f["滞后干部"],
        "失联干部": f["失联干部"],
        "达标率": f["达标率"].map(pct),
        "备注": f["末位"].map(lambda x: "末位" if x else ""),
    })


def holiday_table(b: Bulletin) -> pd.DataFrame:
    f = b.holidays
    return f.assign(节日联系率=f["节日联系率"].map(pct))


# -- charts ------------------------------------------------------------------------------------


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["font.sans-serif"] = [CJK_FONT, "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    return plt


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=150)
    _pyplot().close(fig)
    return buffer.getvalue()


def region_chart(b: Bulletin) -> bytes | None:
    """Persons per group by region (stacked, group colours) with the coverage rate on top."""
    f = b.by_region
    if f.empty or f["在册人数"].sum() == 0:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.2), layout="constrained")
    bottom = [0] * len(f)
    for group in GROUPS:
        ax.bar(f["地区"], f[group], bottom=bottom, label=group, color=GROUP_COLOURS[group])
        bottom = [a + b_ for a, b_ in zip(bottom, f[group], strict=True)]
    for x, (total, share) in enumerate(zip(f["在册人数"], f["覆盖率"], strict=True)):
        ax.text(x, total, pct(share), ha="center", va="bottom", fontsize=7)
    ax.set_ylabel("在册人数（人）")
    ax.set_title("分地区在册对象及结对覆盖率")
    ax.legend(fontsize=7, ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.25), frameon=False)
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def monthly_chart(b: Bulletin) -> bytes | None:
    f = b.monthly
    if f.empty or f["联系次数"].sum() == 0:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 3), layout="constrained")
    x = range(len(f))
    ax.bar([i - 0.2 for i in x], f["联系次数"], width=0.4, label="联系次数", color="#4b4b8f")
    ax.bar([i + 0.2 for i in x], f["走访次数"], width=0.4, label="其中实地走访", color="#a6a6d8")
    ax.set_xticks(list(x), f["月份"])
    ax.set_ylabel("次数")
    ax.set_title(f"{b.year}年各月联系走访情况")
    ax.legend(fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


# -- the Word notice ---------------------------------------------------------------------------


def _font(run, name: str, size: float, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _paragraph(doc, text: str, font: str = "仿宋_GB2312", size: float = 16, bold: bool = False,
               align=None, indent: bool = True):
    from docx.shared import Pt

    para = doc.add_paragraph()
    if align is not None:
        para.alignment = align
    if indent:
        para.paragraph_format.first_line_indent = Pt(size * 2)
    para.paragraph_format.line_spacing = Pt(28)
    _font(para.add_run(text), font, size, bold)
    return para


def _table(doc, frame: pd.DataFrame) -> None:
    table = doc.add_table(rows=1, cols=len(frame.columns))
    table.style = "Table Grid"
    for cell, column in zip(table.rows[0].cells, frame.columns, strict=True):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(str(column)), "黑体", 9, bold=True)
    for values in frame.itertuples(index=False):
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            cell.text = ""
            _font(cell.paragraphs[0].add_run(formatting.cell(value)), "宋体", 9)


def to_docx(b: Bulletin, wording: Wording | None = None, issued_on: dt.date | None = None) -> bytes:
    """The notice: issuing office, title, summary, tables by region and unit, lagging units, charts,
    the requirements; `wording` as `final_wording` gives it (the generated text when None); dated
    the day it is issued (`issued_on`, today by default), not the month's end."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    text, _ = final_wording(b, wording)
    doc = Document()
    section = doc.sections[0]
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    office = f"{b.region_name}结对关爱行动领导小组办公室"
    _paragraph(doc, office, "方正小标宋简体", 22, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _paragraph(doc, b.title, "方正小标宋简体", 20, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _paragraph(doc, "各乡镇、各结对帮扶单位：", indent=False)
    _paragraph(doc, f"现将{b.year}年{b.month}月全{_level_word(b)}结对关爱工作情况通报如下。")
    _paragraph(doc, "一、总体情况", "黑体", 16)
    _paragraph(doc, text.summary)
    _paragraph(doc, "二、分地区情况", "黑体", 16)
    if b.by_region.empty:
        _paragraph(doc, "所选地区无下级地区。")
    else:
        _table(doc, region_table(b))
        if note := region_note(b):
            _paragraph(doc, note, size=12, indent=False)
        chart = region_chart(b)
        if chart:
            doc.add_picture(io.BytesIO(chart), width=Cm(15.5))
    _paragraph(doc, "三、分单位情况", "黑体", 16)
    if b.units.empty:
        _paragraph(doc, "本月无在结对的干部。")
    else:
        _table(doc, unit_table(b))
    _paragraph(doc, "四、存在问题", "黑体", 16)
    _paragraph(doc, text.problems)
    if not b.holidays.empty:
        _paragraph(doc, "五、节日联系情况", "黑体", 16)
        _table(doc, holiday_table(b))
    chart = monthly_chart(b)
    if chart:
        _paragraph(doc, "附图：本年度各月联系走访情况", "黑体", 14, indent=False)
        doc.add_picture(io.BytesIO(chart), width=Cm(15.5))
    _paragraph(doc, text.requirements)
    _paragraph(doc, office, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    _paragraph(doc, cn_date(issued_on or current_date()), align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _level_word(b: Bulletin) -> str:
    name = b.region_name
    for suffix in ("县", "区", "市", "州", "省", "镇", "乡"):
        if name.endswith(suffix):
            return suffix
    return "地区"


# -- the workbook ------------------------------------------------------------------------------


def to_xlsx(b: Bulletin, exported_by: str) -> bytes:
    stamp = ExportStamp(exported_by, b.title, b.region_name, dt.datetime.now())
    sheets = {
        "主要指标": pd.DataFrame(key_figures(b), columns=["指标", "数值"]),
        "分地区情况": region_table(b),
        "分单位情况": unit_table(b),
        "各月联系走访": b.monthly,
    }
    if not b.holidays.empty:
        sheets["节日联系"] = holiday_table(b)
    return to_xlsx_bytes(sheets, stamp)


FORMATS = {"docx": "Word 通报", "xlsx": "Excel 数据"}


def render(b: Bulletin, fmt: str, exported_by: str, wording: Wording | None = None,
           issued_on: dt.date | None = None) -> bytes:
    if fmt == "docx":
        return to_docx(b, wording, issued_on)
    if fmt == "xlsx":
        return to_xlsx(b, exported_by)
    raise ValueError(f"不支持的通报格式“{fmt}”，请使用 docx 或 xlsx")


def _record_export(session: Session, username: str, b: Bulletin, fmt: str, issued_on: dt.date,
                   edited: tuple[str, ...]) -> None:
    """Audit a bulletin download (the export itself changes no figures, so no version bump): the
    month, the day it is issued and which parts of its wording the leader edited."""
    audit.record(session, username, "export", b.region_code, b.title,
                 {"format": fmt, "month": f"{b.year}-{b.month:02d}", "as_of": b.as_of.isoformat(),
                  "issued": issued_on.isoformat(), "edited": list(edited)})


def export(session: Session, scope: Scope, region_code: str | None, year: int, month: int, policy: Policy,
           fmt: str, today: dt.date | None = None, wording: Wording | None = None, *, actor: Actor) -> bytes:
    """The bulletin as a file, with the download recorded in the audit log (same transaction). The
    Word notice carries `wording` (edited by the leader; refused with BulletinTextError when a part
    is emptied) and is dated `today`, the day it is issued."""
    check(actor, "bulletin", scope)
    username = actor.username
    issued_on = today or current_date()
    b = figures(session, scope, region_code, year, month, policy, issued_on)
    _, edited = final_wording(b, wording) if fmt == "docx" else (None, ())
    data = render(b, fmt, username, wording, issued_on)
    _record_export(session, username, b, fmt, issued_on, edited)
    return data
