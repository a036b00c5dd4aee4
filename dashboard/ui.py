"""Shared widgets: page header, metric cards, empty-state sentences, friendly errors, tables."""

from __future__ import annotations

import logging
import os

import pandas as pd
import streamlit as st

from dashboard import filters
from dashboard.context import PageContext
from data_access import formatting
from data_access.config import current_date

log = logging.getLogger("dashboard")


def reading_label(context: PageContext) -> str:
    """Which reading of a past day the page shows (RULES.md "Entry time"); empty for today."""
    if context.as_of >= current_date():
        return ""
    return "按录入时间（当时掌握的情况）" if context.policy.as_known else "按联系日期（含之后补录的记录）"


def header(context: PageContext, caption: str | None = None) -> None:
    """The page's title (its navigation entry's, dashboard/navigation.py), the region and day it
    shows, and the message a write left for this page before it reran (see `flash`)."""
    st.title(context.page_title)
    reading = reading_label(context)
    default = f"{context.region_name} · 截至 {context.as_of:%Y年%m月%d日}" + (f" · {reading}" if reading else "")
    st.caption(caption or default)
    if message := st.session_state.pop(_flash_key(context), None):
        st.success(message, icon=":material/check_circle:")


def _flash_key(context: PageContext) -> str:
    return f"_flash_{context.page_title}"


def flash(context: PageContext, message: str, rerun: bool = True) -> None:
    """Say `message` under this page's title on its next run (a write's outcome, shown once), and
    rerun now unless `rerun` is False."""
    st.session_state[_flash_key(context)] = message
    if rerun:
        st.rerun()


MIME = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "csv": "text/csv",
    "zip": "application/zip",
}


def download(label: str, data, file_name: str, *, help: str | None = None, where=st, icon: str | None = None,
             **kwargs) -> bool:
    """A download button for a file of the kind its name ends with; `data` may be bytes or a function
    making them when clicked (an audited export then runs only for a user who downloads)."""
    kind = file_name.rsplit(".", 1)[-1].lower()
    return where.download_button(label, data, file_name=file_name, mime=MIME.get(kind, "application/octet-stream"),
                                 icon=icon or (":material/description:" if kind == "docx" else ":material/download:"),
                                 on_click="ignore", help=help, **kwargs)


def sort_choice(options: list[str], key: str, where=st, help: str | None = None) -> str:
    """A 排序 select above a long table, in Chinese (the table's own column menu is English only); its
    first option, worst first, is the default. Pass the label to the query that pages the table, or
    to `data_access.sorting.sort_frame` for a table of aggregates."""
    return where.selectbox("排序", options, index=0, key=key, placeholder="请选择",
                           help=help or "表头菜单为系统自带的英文，可在此按中文选择排序方式")


def drill_select(codes: dict[str, str], level: str, key: str, where=st) -> None:
    """A 下钻到乡镇 (村…) select over a table of regions: the pick becomes the sidebar's region
    (filters.drill_down), in the URL and on the next pages too."""
    def _drill() -> None:
        name = st.session_state[key]
        if name in codes:
            filters.drill_down(codes[name])

    where.selectbox(f"下钻到{level}", ["", *codes], key=key, on_change=_drill,
                    format_func=lambda name: name or "请选择", placeholder="请选择",
                    help="选中后左侧地区筛选和网址同步切换，换到其他页面也保持，可直接分享链接")


MAX_ROWS = 2_000  # issue 17: no page sends more than a few thousand rows to the browser


def max_rows() -> int:
    """The most rows one table may send to the browser: MAX_ROWS, or DASHBOARD_MAX_ROWS (the page
    tests set it low, so a small database shows a table that is not paged)."""
    return int(os.environ.get("DASHBOARD_MAX_ROWS") or MAX_ROWS)


def page_size(rows: int) -> int:
    """A page's rows per page: `rows`, never more than max_rows()."""
    return min(rows, max_rows())


def paged(frame: pd.DataFrame, key: str, rows: int = 100, where=st, unit: str = "条") -> pd.DataFrame:
    """One page of a table the page holds whole (aggregates ranked in full: units, townships, the
    cadres of a list), with the page number picked above it; the whole table is for the export."""
    size = page_size(rows)
    if len(frame) <= size:
        return frame
    page = pager(len(frame), size, key, where=where, unit=unit)
    where.caption(f"第 {(page - 1) * size + 1:,}–{min(page * size, len(frame)):,} 条，共 {len(frame):,} 条。")
    return frame.iloc[(page - 1) * size:page * size]


OPTIONS_SHOWN = 200  # a select longer than this is searched first (a province has ~6,000 units)


def narrowed(names: dict, key: str, where=st, noun: str = "单位") -> list:
    """The keys of `names` a select under `key` offers: all of them up to OPTIONS_SHOWN (or
    max_rows(), if lower), else those whose name contains the text typed in a search box above it
    (as many, the chosen one kept), so a province's thousands of names are not sent to the browser
    on every run."""
    limit = min(OPTIONS_SHOWN, max_rows())
    if len(names) <= limit:
        return list(names)
    text = where.text_input(f"查找{noun}（共 {len(names):,} 个，输入名称中的字）", key=f"{key}_find",
                            placeholder=f"输入{noun}名称的一部分").strip()
    found = [k for k, name in names.items() if text in name][:limit] if text else []
    chosen = st.session_state.get(key)
    if chosen in names and chosen not in found:
        found.insert(0, chosen)
    return found


class TooManyRows(RuntimeError):
    """A table longer than max_rows() reached the browser unpaged (raised under test)."""


def _capped(frame: pd.DataFrame) -> pd.DataFrame:
    """The table as sent: a page's table longer than max_rows() is a page that forgot to page it —
    under test that fails the page; a user gets the first max_rows() rows and a sentence."""
    limit = max_rows()
    if len(frame) <= limit:
        return frame
    if raise_page_errors():
        raise TooManyRows(f"表格有 {len(frame):,} 行，超过每页上限 {limit:,} 行：请分页（ui.paged 或在查询中分页）")
    st.caption(f"仅显示前 {limit:,} 行，共 {len(frame):,} 行；全部内容请导出。")
    return frame.head(limit)


def pages_of(total: int, page_size: int) -> int:
    return max(1, -(-int(total) // page_size))


def pager(total: int, page_size: int, key: str, where=st, unit: str = "条") -> int:
    """The page number a user picked (1 when everything fits on one page)."""
    pages = pages_of(total, page_size)
    if pages <= 1:
        return 1
    if int(st.session_state.get(key, 1)) > pages:  # fewer pages than before (a narrower filter)
        st.session_state[key] = pages
    return int(where.number_input(f"页码（共 {pages} 页，每页 {page_size} {unit}）", min_value=1, max_value=pages,
                                  key=key))


def page_caption(page: int, size: int, shown: int, total: int, where=st) -> None:
    """Under a list read a page at a time from the database: which rows of how many (nothing when
    everything is on one page)."""
    if total > size:
        first = (page - 1) * size + 1
        where.caption(f"第 {first:,}–{first + shown - 1:,} 条，共 {total:,} 条。")


def share(part: int | float | None, whole: int | float | None) -> float | None:
    """part ÷ whole, or None (shown as —) when there is nothing to divide by."""
    return part / whole if whole else None


def fmt_int(value: int | float | None) -> str:
    """A count as every page and document writes it (data_access.formatting): 2,328."""
    return formatting.count(value)


def fmt_count(value: int | float | None, wan_from: int = 100_000) -> str:
    """A number on a card as offices write it: 12,345 up to 99,999, then 38.8万, and from a million
    325万 (province-wide figures otherwise overflow the card and are cut off). A card with two
    figures passes a lower `wan_from`."""
    if value is None or abs(value) < wan_from:
        return formatting.count(value)
    digits = 1 if abs(value) < 1_000_000 else 0
    return f"{value / 10_000:,.{digits}f}".removesuffix(".0") + "万"


def fmt_pct(value: float | None, digits: int = 1) -> str:
    """A share as every page and document writes it (data_access.formatting): 45.2%."""
    return formatting.pct(value, digits)


def metric(column, label: str, value: str, delta: str | None = None, help: str | None = None,
           delta_color: str = "normal", delta_arrow: str = "auto") -> None:
    column.metric(label, value, delta=delta, help=help, delta_color=delta_color, border=True, delta_arrow=delta_arrow)


def empty(message: str) -> None:
    """A sentence instead of an empty chart or table."""
    st.info(message, icon=":material/info:")


def blank_gaps(frame: pd.DataFrame, keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """Empty cells instead of the grid's grey "None": a column with gaps becomes text (whole numbers
    stay whole: 12, not 12.0; dates as 2026-01-05), which is what Streamlit would make of a column
    mixing "" with numbers or dates anyway, but without its logged Arrow traceback on every render.
    Columns in `keep` (formatted by a column_config) stay as they are."""
    gaps = [c for c in frame.columns if c not in keep and frame[c].isna().any()]
    if not gaps:
        return frame
    frame = frame.copy()
    for column in gaps:
        values = frame[column]
        whole = pd.api.types.is_float_dtype(values) and (values.dropna() % 1 == 0).all()
        frame[column] = [("" if pd.isna(v) else str(int(v)) if whole else str(v)) for v in values]
    return frame


HIGHLIGHT = "background-color: #fde0dc"  # a row to notice (e.g. 末位), light red


def table(frame: pd.DataFrame | list[dict], *, percent: tuple[str, ...] | list[str] = (),
          column_config: dict | None = None, highlight: str | None = None, **kwargs) -> None:
    """A read-only table, full width, no index, empty cells for missing values. `percent`: columns
    holding fractions (0.452), shown as 45.2%; a `column_config` entry for one of them gives its
    label and help. `highlight`: a column whose non-empty cells mark their rows in light red
    (style only the rows shown: styling thousands took a second per rerun)."""
    frame = _capped(frame if isinstance(frame, pd.DataFrame) else pd.DataFrame(frame))
    config = dict(column_config or {})
    shown = [c for c in percent if c in frame.columns]
    if highlight is not None:
        styled = frame.assign(**{c: frame[c] * 100 for c in shown}).style.apply(
            lambda row: [HIGHLIGHT if row[highlight] else ""] * len(row), axis=1,
        ).format({c: "{:.1f}%" for c in shown}, na_rep="")
        st.dataframe(styled, hide_index=True, width="stretch", column_config=config or None, **kwargs)
        return
    if shown:
        frame = frame.assign(**{c: frame[c] * 100 for c in shown})
        for c in shown:
            given = config.get(c) or {}
            config[c] = st.column_config.NumberColumn(given.get("label"), help=given.get("help"), format="%.1f%%")
    frame, config = number_text(frame, config)
    st.dataframe(blank_gaps(frame, tuple(config)), hide_index=True, width="stretch", column_config=config or None,
                 **kwargs)


def number_text(frame: pd.DataFrame, config: dict) -> tuple[pd.DataFrame, dict]:
    """A number column given a format (column_config) that has empty cells: the grid shows a gap in
    a number column as a grey "None" (also when blank_gaps already made it text). Write its numbers
    as text in that format, right-aligned as numbers are, and leave the gaps empty."""
    config = dict(config)
    for name, given in config.items():
        kind = given.get("type_config") if isinstance(given, dict) else None
        if not kind or kind.get("type") != "number" or name not in frame.columns:
            continue
        values = frame[name]
        blank = [pd.isna(v) or v == "" for v in values]
        if not any(blank):
            continue
        pattern = kind.get("format") or ""
        frame = frame.copy()
        frame[name] = ["" if gap else (pattern % float(v) if "%" in pattern else str(v))
                       for v, gap in zip(values, blank, strict=True)]
        config[name] = {**given, "alignment": given.get("alignment") or "right",
                        "type_config": {"type": "text", "max_chars": None, "validate": None}}
    return frame, config


def chinese_file_uploader(hint: str) -> None:
    """st.file_uploader has no Chinese text ("Upload", "50MB per file • XLSX"): hide Streamlit's
    English and show Chinese in its place (CSS; the widget's behaviour is unchanged)."""
    st.html(f"""<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{display: none}}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]::after {{content: "选择文件"}}
[data-testid="stFileUploaderDropzoneInstructions"] span {{display: none}}
[data-testid="stFileUploaderDropzoneInstructions"] > div::after {{content: "{hint}"; font-size: 0.875rem}}
</style>""")


PAGE_ERROR_MESSAGE = "页面暂时无法显示，已记录错误信息。请稍后刷新重试；如持续出现，请联系系统管理员。"


def raise_page_errors() -> bool:
    """Under test (DASHBOARD_RAISE_PAGE_ERRORS=1, set by tests/conftest.py and the e2e server) a page
    exception is re-raised after the friendly message, so AppTest's `at.exception` and the browser's
    stException see it: the message is for users, a crash must still fail the suite."""
    return os.environ.get("DASHBOARD_RAISE_PAGE_ERRORS", "") == "1"


def friendly_error(exc: BaseException) -> None:
    """Log the traceback for the operator; show the user a sentence, never the traceback."""
    log.exception("page failed", exc_info=exc)
    st.error(PAGE_ERROR_MESSAGE, icon=":material/error:")
    if raise_page_errors():
        raise exc
