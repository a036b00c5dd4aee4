"""逾期事项: everything past its date in one place — overdue needs, first home visits not made,
reminders/督办 unanswered, pairings ended with no successor — counted per township and unit, with the
rows (a selected need opens in 诉求台账) and the whole view as one Excel workbook."""

import streamlit as st

from dashboard import charts, ui
from dashboard.cache import query, write
from dashboard.context import get_context
from dashboard.navigation import PAGES, ROOT
from data_access import compliance, overdue, sorting, turnover, weekly

NEEDS_PAGE = "pages/needs.py"
CADRE_PAGE = "pages/cadre.py"
# Where a selected row opens: the need in 诉求台账, the cadre in 干部详情 (none for a household).
DETAIL_PAGES = {overdue.KIND_NEEDS: NEEDS_PAGE, overdue.KIND_FIRST_VISITS: CADRE_PAGE,
                overdue.KIND_UNANSWERED: CADRE_PAGE}
HINTS = {NEEDS_PAGE: "打开该诉求的详情并办理", CADRE_PAGE: "打开该干部的详情"}

ctx = get_context()
ui.header(ctx)
policy = ctx.policy
RULES = {
    overdue.KIND_NEEDS: "截至当日未办结、且办理期限早于当日的诉求（逾期天数 = 当日 − 办理期限）。",
    overdue.KIND_FIRST_VISITS: f"结对已满 {policy.first_visit_days} 天、仍没有实地走访（认门）的在结对关系。",
    overdue.KIND_UNANSWERED: "提醒或督办的回应期限已过，发出后干部一直没有联系该结对户；不论何时发出都计入"
                             "（“提醒督办”页只统计所选发出日期以来发出的，并注明之前发出的还有多少）。",
    overdue.KIND_NO_SUCCESSOR: f"结对解除满 {policy.successor_gap_days} 天、户内仍有在册对象但没有新的结对干部。",
}

result = query(overdue.view, ctx.scope, ctx.as_of, policy)
tally = result.counts

# today's counts are the view's; last week's counted once more (not today's twice)
week = weekly.overdue_difference(tally, query(overdue.totals, ctx.scope, weekly.same_day_last_week(ctx.as_of), policy))
since = f"与上周同日（{weekly.same_day_last_week(ctx.as_of):%m-%d}）相比"
cols = st.columns(5)
ui.metric(cols[0], "逾期事项合计", f"{ui.fmt_int(tally.total)} 项", **weekly.delta(week[overdue.TOTAL], "项"),
          help=since)
for column, kind in zip(cols[1:], overdue.KINDS, strict=True):
    ui.metric(column, kind, f"{ui.fmt_int(tally.totals[kind])} 项", **weekly.delta(week[kind], "项"),
              help=f"{RULES[kind]}{since}。")

awaiting = query(turnover.awaiting, ctx.scope, ctx.as_of)
if not awaiting.empty:
    with st.expander(f"待调整结对 {len(awaiting)} 户：结对干部已调离、退休等，尚无接续的结对干部",
                     icon=":material/person_remove:", expanded=tally.total == 0):
        st.caption("干部离岗不自动解除结对；在该户有新的结对干部之前，这些结对列为待调整，待调整天数自干部状态日期起算。")
        ui.table(awaiting, column_config={"状态日期": st.column_config.DateColumn(format="YYYY-MM-DD")})

if tally.total == 0:
    ui.empty(f"{ctx.region_name}截至 {ctx.as_of:%Y-%m-%d} 没有逾期事项。")
    st.stop()

if ctx.actor.may("export_lists"):
    ui.download(
        "导出 Excel（全部明细）",
        lambda: write(overdue.export_workbook, ctx.scope, ctx.as_of, policy, ctx.region_code, ctx.region_name,
                      actor=ctx.actor),
        f"逾期事项_{ctx.region_name}_{ctx.as_of:%Y%m%d}.xlsx",
        help="一个工作簿：按乡镇、按单位汇总，以及四类事项的全部明细各一张表；导出会记入审计日志。",
    )


st.subheader("分布")
by_region, by_unit = st.tabs([f"按{tally.area}", "按工作单位"])
with by_region:
    places = tally.by_region
    parent = places.columns[0]
    if places[parent].nunique() <= 1:
        places = places.drop(columns=[parent])
    st.plotly_chart(charts.overdue_by_kind(places, tally.area, overdue.KINDS, f"逾期事项最多的{tally.area}（前 15 个）"),
                    width="stretch")
    ui.table(ui.paged(places, "overdue_places_page", unit="个"))
with by_unit:
    st.plotly_chart(charts.overdue_by_kind(tally.by_unit, "工作单位", overdue.KINDS, "逾期事项最多的工作单位（前 15 个）"),
                    width="stretch")
    ui.table(ui.paged(tally.by_unit, "overdue_units_page", unit="个"))
    st.caption(f"诉求计入应答的结对干部所在单位；提出时没有结对干部的计入“{overdue.NO_UNIT}”。"
               "结对断档计入原结对干部所在单位。")

st.subheader("明细")
registered = {page.script for page in PAGES}
order = ui.sort_choice(sorting.labels(overdue.SORTS), "overdue_sort", where=st.columns([1, 2])[0])
detail_rows = result.rows if order == overdue.SORTS[0].label else query(
    overdue.rows, ctx.scope, ctx.as_of, policy, result.limit, order)


def open_detail(script: str, value: str) -> None:
    if script == NEEDS_PAGE:
        st.switch_page(str(ROOT / script), query_params={"need": value})
    match = next((c for c in query(compliance.find_cadres, ctx.scope, value, 30) if c.code == value), None)
    if match is None:
        st.warning(f"干部“{value}”在当前所选地区没有结对户，无法打开详情。")
        return
    st.switch_page(str(ROOT / script), query_params={"cadre": str(match.id)})


tabs = st.tabs([f"{kind}（{tally.totals[kind]}）" for kind in overdue.KINDS])
for tab, kind in zip(tabs, overdue.KINDS, strict=True):
    with tab:
        frame = ui.blank_gaps(detail_rows[kind])
        st.caption(RULES[kind])
        if frame.empty:
            ui.empty(f"没有{kind}。")
            continue
        script = DETAIL_PAGES.get(kind)
        if script in registered:
            event = st.dataframe(frame, hide_index=True, width="stretch", on_select="rerun",
                                 selection_mode="single-row", key=f"overdue_rows_{kind}_{sorting.labels(overdue.SORTS).index(order)}")
            st.caption(f"选中一行（点击行首方框），即可{HINTS[script]}。")
            if event.selection.rows:
                open_detail(script, str(frame.iloc[event.selection.rows[0]][overdue.LINK_COLUMNS[kind]]))
        else:
            ui.table(frame)
        if tally.totals[kind] > len(frame):
            st.caption(f"仅显示前 {len(frame)} 项，共 {tally.totals[kind]} 项；全部明细请导出 Excel。")
