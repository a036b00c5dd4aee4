"""The shared sidebar filters (region cascade, year, as-of date), mirrored in the URL
(`?region=…&asof=…`) so a filtered view can be shared as a link.

A value in the URL that differs from what this session last wrote wins (someone opened a link);
otherwise the session's own choice is kept, also across page changes that clear the URL.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import cache
from data_access import regions
from data_access.scope import Scope

ALL = "全部"


def _from_url(name: str) -> str | None:
    value = st.query_params.get(name)
    last = st.session_state.get(f"_url_{name}")
    if value and value != last:
        return value
    return None


def _to_url(name: str, value: str | None) -> None:
    if value:
        st.query_params[name] = value
    elif name in st.query_params:
        del st.query_params[name]
    st.session_state[f"_url_{name}"] = value


def region_filter(user_scope: Scope) -> tuple[str | None, str]:
    """Cascading selects from the user's own region down to villages. Returns (code, name)."""
    requested = _from_url("region")
    if requested is not None:
        link = cache.query(regions.link_region, requested, user_scope)
        if link.refused:
            st.session_state["_scope_refused"] = requested
        else:
            st.session_state["flt_region"] = link.code
        if link.notice:
            st.sidebar.warning(link.notice, icon=":material/location_off:")
    # A region chosen from outside the cascade (a link, or a drill-down on a page) must show in the
    # selects themselves: their values are set through the session state, which the browser is sent;
    # a new default index alone would leave the browser's old choice to come back on the next run.
    force = (requested is not None and not link.refused) or bool(st.session_state.pop("_flt_drilled", False))
    chosen: str | None = st.session_state.get("flt_region")
    wanted_path = [r.code for r in cache.query(regions.path, chosen)] if chosen else []

    options = cache.query(regions.root_for, user_scope)
    picked: str | None = None
    picked_name = "全部地区"
    depth = 0
    while options:
        if len(options) == 1 and depth == 0 and user_scope.prefix:
            picked, picked_name = options[0].code, options[0].name  # the user's own region
        else:
            labels = [ALL] + [o.name for o in options]
            preselect = next((i + 1 for i, o in enumerate(options) if o.code in wanted_path), 0)
            label = regions.LEVEL_LABELS.get(options[0].level, "地区")
            key = f"flt_level_{depth}_{picked}"
            if force or st.session_state.get(key) not in labels:
                st.session_state[key] = labels[preselect]
            choice = st.sidebar.selectbox(label, labels, key=key, placeholder="请选择")
            if choice == ALL:
                break
            option = options[labels.index(choice) - 1]
            picked, picked_name = option.code, option.name
        depth += 1
        options = cache.query(regions.children, picked)
    st.session_state["flt_region"] = picked
    _to_url("region", picked if picked and picked != _own_root(user_scope) else None)
    return picked, picked_name


def _own_root(user_scope: Scope) -> str | None:
    roots = cache.query(regions.root_for, user_scope)
    return roots[0].code if user_scope.prefix and len(roots) == 1 else None


def link_date(requested: str, today: dt.date, earliest: dt.date) -> tuple[dt.date, str]:
    """The as-of date a link asks for, corrected to the nearest day the filters offer (from
    `earliest`, the first day of the oldest year, to today), with a Chinese notice when corrected."""
    shown = requested if len(requested) <= 40 else requested[:40] + "…"
    try:
        day = dt.date.fromisoformat(requested.strip())
    except ValueError:
        return today, f"链接中的日期“{shown}”无法识别，已改为今天（{today:%Y-%m-%d}）。"
    if day < earliest:
        return earliest, (f"链接中的日期 {day:%Y-%m-%d} 早于可查看的范围（{earliest.year}年起），"
                          f"已改为 {earliest:%Y-%m-%d}。")
    if day > today:
        return today, f"链接中的日期 {day:%Y-%m-%d} 晚于今天，已改为今天（{today:%Y-%m-%d}）。"
    return day, ""


def link_year(requested: str, years: list[int]) -> tuple[int, str]:
    """The year a link asks for (`?year=`), corrected to the nearest year the filters offer
    (`years`, newest first), with a Chinese notice when corrected."""
    value = requested.strip().removesuffix("年")
    shown = requested if len(requested) <= 40 else requested[:40] + "…"
    if not value.isascii() or not value.isdigit() or len(value) > 6:
        return years[0], f"链接中的年度“{shown}”无法识别，已改为今年（{years[0]}年）。"
    year = int(value)
    if year < years[-1]:
        return years[-1], f"链接中的年度 {year} 早于可查看的范围（{years[-1]}年起），已改为 {years[-1]}年。"
    if year > years[0]:
        return years[0], f"链接中的年度 {year} 晚于今年，已改为今年（{years[0]}年）。"
    return year, ""


def date_filter(today: dt.date) -> dt.date:
    """Year and as-of date. The as-of date defaults to today, or 31 Dec for a past year. A link's
    `?year=` opens that year (its as-of date as the year selector gives it) unless it also has an
    `?asof=`; the URL then carries the as-of date only."""
    years = list(range(today.year, today.year - 4, -1))
    requested_year = _from_url("year")
    if "year" in st.query_params:
        _to_url("year", None)
    requested = _from_url("asof")
    if requested is None and requested_year is not None:
        year, notice = link_year(requested_year, years)
        st.session_state["flt_year"] = year
        st.session_state["flt_asof"] = today if year == today.year else dt.date(year, 12, 31)
        if notice:
            st.sidebar.warning(notice, icon=":material/event_busy:")
    if requested is not None:
        day, notice = link_date(requested, today, dt.date(years[-1], 1, 1))
        st.session_state["flt_asof"] = day
        st.session_state["flt_year"] = day.year
        if notice:
            st.sidebar.warning(notice, icon=":material/event_busy:")
    st.session_state.setdefault("flt_year", today.year)
    st.session_state.setdefault("flt_asof", today)

    def year_changed() -> None:
        year = st.session_state["flt_year"]
        st.session_state["flt_asof"] = today if year == today.year else dt.date(year, 12, 31)

    year = st.sidebar.selectbox("年度", years, key="flt_year", format_func=lambda y: f"{y}年", on_change=year_changed, placeholder="请选择")
    as_of = st.sidebar.date_input(
        "截至日期",
        key="flt_asof",
        min_value=dt.date(year, 1, 1),
        max_value=min(today, dt.date(year, 12, 31)),
        format="YYYY-MM-DD",
        help="所有统计按此日期计算：此后发生的联系、诉求、提醒不计入。之后补录的记录是否计入，见下方“按录入时间”。",
    )
    _to_url("asof", as_of.isoformat() if as_of != today else None)
    return as_of


def reading_filter(as_of: dt.date, today: dt.date) -> bool:
    """For a past day, which reading (RULES.md): by contact date (what happened, the default) or 按录入时间
    (as known then: contacts entered after that day left out). In the URL as ?known=1."""
    if as_of >= today:
        st.session_state.pop("flt_known", None)
        _to_url("known", None)
        return False
    if _from_url("known") == "1":
        st.session_state.setdefault("flt_known", True)
    known = st.sidebar.toggle(
        "按录入时间（当时掌握的情况）", key="flt_known",
        help="关闭：按联系日期统计实际发生的情况，之后补录的记录也计入；开启：只计截至日期当天结束前已录入的记录。",
    )
    _to_url("known", "1" if known else None)
    return known


def drill_down(code: str | None) -> None:
    """Make `code` the chosen region from inside a page (a click on a township): it lands in the URL
    and the sidebar cascade shows it from the next run on, on this page and the next ones (the pages
    link by URL parameters; the choice lives in the session). Call from a widget callback or before
    st.rerun."""
    _to_url("region", None)
    if code:
        st.query_params["region"] = code
    st.session_state["flt_region"] = code
    st.session_state["_flt_drilled"] = True  # the cascade's selects are set to it on the next run
