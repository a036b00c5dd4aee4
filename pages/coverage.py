"""覆盖情况: the groups side by side per township (or per village after a drill-down), coverage,
on-track share, overdue needs; a click on a bar or the 下钻 select makes that region the shared
region filter (so it is in the URL); and the gaps that need a decision."""

import streamlit as st

from dashboard import charts, filters, ui
from dashboard.cache import query
from dashboard.context import get_context
from data_access import coverage, gaps, regions, sorting, turnover
from data_access.vocabulary import GROUPS

ctx = get_context()
ui.header(ctx)

frame = query(coverage.by_region, ctx.scope, ctx.region_code, ctx.as_of, ctx.policy)
path = query(regions.path, ctx.region_code) if ctx.region_code else []
parent = path[-2] if len(path) >= 2 and ctx.user.scope.contains(path[-2].code) else None
codes = dict(zip(frame["地区"], frame["代码"], strict=True))


def _drill_from_chart() -> None:
    points = st.session_state["coverage_chart"].selection.points
    if points and points[0].get("x") in codes:
        filters.drill_down(codes[points[0]["x"]])


if parent is not None:
    st.button(f"返回上一级：{parent.name}", icon=":material/arrow_upward:",
              on_click=filters.drill_down, args=(parent.code,))

if frame.empty:
    ui.empty(f"{ctx.region_name}已是最末一级，没有下级地区可分；请在左侧选择乡镇或县区查看分布。")
elif frame["在册人数"].sum() == 0:
    ui.empty(f"{ctx.region_name}各下级地区在 {ctx.as_of:%Y-%m-%d} 均没有在册的关爱对象。")
else:
    first = query(regions.get, frame["代码"].iloc[0])
    level = regions.LEVEL_LABELS.get(first.level, "地区")
    st.plotly_chart(
        charts.groups_by_region(frame, f"各{level}在册对象及结对覆盖率（点击柱形查看下一级）"),
        key="coverage_chart", on_select=_drill_from_chart, selection_mode="points", width="stretch",
    )
    if first.level != "village":
        ui.drill_select(codes, level, "coverage_drill")
    # Worst first by default, the deciding columns first: nobody scrolls sideways for 覆盖率 or 干部达标率.
    order = ui.sort_choice(sorting.labels(coverage.SORTS), "coverage_sort", where=st.columns([1, 2])[0])
    shown = sorting.sort_frame(frame.drop(columns=["代码"]), coverage.SORTS, order)
    first_columns = ["地区", "覆盖率", "达标率", "未结对人数", "逾期诉求"]
    shown = shown[first_columns + [c for c in shown.columns if c not in first_columns]].rename(columns={"地区": level})
    ui.table(
        shown,
        percent=("覆盖率", "达标率"),
        column_config={
            "达标率": st.column_config.NumberColumn("干部达标率",
                                                  help="所结对户均未滞后、未失联的干部占比（按在该地区的结对计）"),
            **{g: st.column_config.NumberColumn(g, help=f"在册{g}人数") for g in GROUPS},
        },
    )

st.subheader("需要决策的缺口")
unpaired_total = query(gaps.count_unpaired, ctx.scope, ctx.as_of)
unpaired = query(gaps.unpaired_persons, ctx.scope, ctx.as_of)
ended = query(gaps.ended_without_successor, ctx.scope, ctx.as_of, ctx.policy)
ended_total = query(gaps.count_ended_without_successor, ctx.scope, ctx.as_of, ctx.policy)
children = query(gaps.children_without_leading_cadre, ctx.scope, ctx.as_of)
children_total = query(gaps.count_children_without_leading_cadre, ctx.scope, ctx.as_of)
awaiting = query(turnover.awaiting, ctx.scope, ctx.as_of)
awaiting_total = query(turnover.count_awaiting, ctx.scope, ctx.as_of)
tabs = st.tabs([f"未结对对象（{ui.fmt_int(unpaired_total)}）", f"结对断档（{ui.fmt_int(ended_total)}）",
                f"儿童未由领导干部结对（{ui.fmt_int(children_total)}）", f"待调整结对（{ui.fmt_int(awaiting_total)}）"])


def shown_of(shown: int, total: int, unit: str) -> None:
    if total > shown:
        st.caption(f"仅显示前 {ui.fmt_int(shown)} {unit}，共 {ui.fmt_int(total)} {unit}。")


with tabs[0]:
    if unpaired.empty:
        ui.empty("所有在册对象都有在结对关系。")
    else:
        st.caption("在册对象所在户当前没有结对干部；未结对天数自上次结对解除起算（从未结对的为空）。")
        ui.table(unpaired)
        shown_of(len(unpaired), unpaired_total, "人")
with tabs[1]:
    if ended.empty:
        ui.empty(f"没有解除满 {ctx.policy.successor_gap_days} 天仍未接续的结对。")
    else:
        st.caption(f"结对解除满 {ctx.policy.successor_gap_days} 天、户内仍有在册对象但没有新的结对干部。")
        ui.table(ended)
        shown_of(len(ended), ended_total, "条")
with tabs[2]:
    if children.empty:
        ui.empty("孤儿、事实无人抚养儿童均由领导干部结对。")
    else:
        st.caption("孤儿、事实无人抚养儿童应由领导干部担任“爱心爸妈”，以下结对干部不是领导干部。")
        ui.table(children)
        shown_of(len(children), children_total, "人")
with tabs[3]:
    if awaiting.empty:
        ui.empty("没有结对干部已离岗（调离、退休等）而尚未接续的结对。")
    else:
        st.caption("结对干部已调离、退休等，但该户还没有新的结对干部；待调整天数自干部状态日期起算。")
        ui.table(awaiting, column_config={"状态日期": st.column_config.DateColumn(format="YYYY-MM-DD")})
        shown_of(len(awaiting), awaiting_total, "条")
