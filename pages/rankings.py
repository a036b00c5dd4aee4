"""单位排名: work units and the regions one level down ranked by the share of cadres on track,
lowest first, with the bottom ones (policy: 排名末位通报个数) highlighted."""

import streamlit as st

from dashboard import charts, ui
from dashboard.cache import query
from dashboard.context import get_context
from data_access import rankings, regions, sorting

PAGE_SIZE = ui.page_size(100)  # rows a page; lower under test (ui.max_rows)
REGIONS_TAB = "下级地区"

ctx = get_context()
ui.header(ctx)
bottom = ctx.policy.ranking_bottom_count
st.caption(f"按干部达标率从低到高排列；未全部达标的前 {bottom} 名标为“末位”（红色），个数可在规则设置中调整。")


def _show(frame, key: str, sort_key: str):
    """One page of the ranking in the order picked (by default the lowest first, so the 末位 rows
    open it), styled: the province ranks thousands of units, and styling them all took a second on
    every rerun."""
    sorts = rankings.sorts_for(frame)
    order = ui.sort_choice(sorting.labels(sorts), sort_key, where=st.columns([1, 2])[0])
    frame = sorting.sort_frame(frame, sorts, order)
    page = min(int(st.session_state.get(key, 1)), ui.pages_of(len(frame), PAGE_SIZE))
    frame = frame.iloc[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    shown = rankings.shown_columns(frame)
    ui.table(shown, percent=("达标率", "覆盖率"), highlight="末位", column_config={"代码": None})


def show_units() -> None:
    units = query(rankings.units, ctx.scope, ctx.as_of, ctx.policy)
    if units.empty:
        ui.empty(f"{ctx.region_name}在 {ctx.as_of:%Y-%m-%d} 没有在结对的干部，无法排名。")
        return
    lagging = rankings.lagging(units)
    if lagging:
        st.warning("达标率末位单位：" + "、".join(lagging), icon=":material/warning:")
    st.plotly_chart(charts.share_bars(units.head(30), "工作单位", "各单位干部达标率（最低的 30 个）"),
                    width="stretch")
    _show(units, "rk_units_page", "rank_units_sort")
    ui.pager(len(units), PAGE_SIZE, "rk_units_page", unit="个")


def show_regions() -> None:
    places = query(rankings.regions, ctx.scope, ctx.region_code, ctx.as_of, ctx.policy)
    if places.empty or places["结对干部"].sum() == 0:
        ui.empty(f"{ctx.region_name}没有可排名的下级地区（已是最末一级，或下级地区没有在结对的干部）。")
        return
    lagging = rankings.lagging(places)
    if lagging:
        st.warning("达标率末位地区：" + "、".join(lagging), icon=":material/warning:")
    st.plotly_chart(charts.share_bars(places, "地区", "各地区干部达标率"), width="stretch")
    first = query(regions.get, places["代码"].iloc[0])
    if first is not None and first.level != "village":
        ui.drill_select(dict(zip(places["地区"], places["代码"], strict=True)),
                        regions.LEVEL_LABELS.get(first.level, "地区"), "rank_drill", where=st.columns([1, 2])[0])
    _show(places, "rk_places_page", "rank_regions_sort")
    ui.pager(len(places), PAGE_SIZE, "rk_places_page", unit="个")


# Only the open tab runs (choosing the other reruns the page): at province scope each tab's table,
# chart and figures cost as much as the other's, on every rerun too.
tabs = st.tabs(["工作单位", REGIONS_TAB], key="rk_tab", on_change="rerun")
for tab, show in zip(tabs, (show_units, show_regions), strict=True):
    if tab.open:
        with tab:
            show()
