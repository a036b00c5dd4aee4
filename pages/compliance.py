"""达标督查: for the chosen region and day, how many cadres and pairings are on track, roll-ups per
township / unit / cadre, and the filtered, worst-first laggard list from which inspectors issue
提醒 / 督办 and export the list."""

import datetime as dt

import streamlit as st

from dashboard import charts, ui
from dashboard.cache import query, write
from dashboard.context import get_context
from data_access import compliance, permissions, sorting, supervision, weekly
from data_access.compliance import LAGGARD_SORTS, LAGGARD_STATUSES, LaggardFilter
from data_access.config import current_date
from data_access.scope import ScopeError
from data_access.vocabulary import ACTION_KINDS, GROUPS, RANKS

PAGE_SIZE = ui.page_size(50)  # rows a page; lower under test (ui.max_rows)
ANY = "全部"

ctx = get_context()
policy = ctx.policy
ui.header(ctx)
st.caption(
    f"口径：每季度应联系 {policy.contacts_per_period} 次、每半年应实地走访 {policy.visits_per_period} 次"
    f"（结对不满 {policy.grace_days} 天的周期不计）；结对满 {policy.silent_days} 天且最近 {policy.silent_days} 天"
    "无任何联系为失联。截至日期之后的联系不计入。"
)


def show_issued_batch(batch_no: str) -> None:
    """The batch just issued from this page: what went out, and 撤回 for a slip (same day, same user)."""
    item = query(supervision.notice, ctx.scope, batch_no)
    if item is None:  # withdrawn meanwhile, or outside the region now chosen
        st.session_state.pop("cp_issued", None)
        return
    with st.container(border=True):
        cadres = item.rows["干部编号"].nunique()
        st.success(
            f"已发出{item.kind} {len(item.rows)} 条（{cadres} 名干部），批次号 {item.batch_no}，"
            f"回应期限 {item.deadline:%Y-%m-%d}。所选对象已清空；可在“提醒督办”页下载通知。",
            icon=":material/check_circle:",
        )
        ui.table(item.rows.drop(columns=["回应期限"]))
        left, right, _ = st.columns([1.2, 1, 4])
        with left.popover("撤回本批次", icon=":material/undo:",
                          help="发出人当天可撤回整批（如选错对象）；撤回会记入审计日志"):
            st.markdown(f"撤回批次 **{item.batch_no}**（{len(item.rows)} 条）？撤回后该批次的提醒督办不再计入。")
            if st.button("确认撤回", type="primary", key=f"cp_withdraw_{batch_no}"):
                try:
                    gone = write(supervision.withdraw, batch_no, actor=ctx.actor)
                except (ScopeError, ValueError, permissions.PermissionDenied) as exc:
                    st.error(f"未能撤回：{exc}")
                else:
                    st.session_state.pop("cp_issued", None)
                    ui.flash(ctx, f"已撤回批次 {gone.batch_no}（{gone.kind} {gone.actions} 条），已记入审计日志。")
        if right.button("知道了", key=f"cp_dismiss_{batch_no}"):
            st.session_state.pop("cp_issued", None)
            st.rerun()


if issued_batch := st.session_state.get("cp_issued"):
    show_issued_batch(issued_batch)

head = query(compliance.summary, ctx.scope, ctx.as_of, policy)
if head.active_pairings == 0:
    ui.empty(f"{ctx.region_name}在 {ctx.as_of:%Y-%m-%d} 没有在结对关系，无需督查。")
    st.stop()

week = query(weekly.laggard_change, ctx.scope, ctx.as_of, policy)
since = f"与上周同日（{week.since:%m-%d}）相比"
cols = st.columns(5)
ui.metric(cols[0], "结对干部", f"{ui.fmt_count(head.cadres)} 名", help="截至当日有在结对关系的干部")
ui.metric(cols[1], "干部达标率", ui.fmt_pct(head.cadre_on_track_share),
          **weekly.delta(week.on_track_share_points, "个百分点", worse_when_up=False),
          help=f"所结对户均未滞后、未失联的干部占比；{since}")
ui.metric(cols[2], "滞后结对", f"{ui.fmt_count(head.pairings_behind)} 户",
          **weekly.delta(week.pairings_behind, "户"),
          help=f"已联系次数少于应联系，或已走访次数少于应走访；{since}")
ui.metric(cols[3], "失联结对", f"{ui.fmt_count(head.pairings_silent)} 户",
          **weekly.delta(week.pairings_silent, "户"),
          help=f"结对满 {policy.silent_days} 天、最近 {policy.silent_days} 天没有任何联系；{since}")
ui.metric(cols[4], "认门逾期", f"{ui.fmt_count(head.first_visits_overdue)} 户",
          **weekly.delta(week.first_visits_overdue, "户"),
          help=f"结对满 {policy.first_visit_days} 天仍未实地走访；{since}")
cols = st.columns(5)
ui.metric(cols[0], "在结对户", f"{ui.fmt_count(head.active_pairings)} 户")
ui.metric(cols[1], "达标结对", f"{ui.fmt_count(head.pairings_on_track)} 户")
ui.metric(cols[2], f"已联系（应{ui.fmt_count(head.owed_contacts)}）", f"{ui.fmt_count(head.done_contacts)} 次",
          help=f"本年截至当日各在结对户的联系次数合计（{ui.fmt_int(head.done_contacts)} 次）；"
               f"括号内为按规则应联系次数合计（{ui.fmt_int(head.owed_contacts)} 次）")
ui.metric(cols[3], f"已走访（应{ui.fmt_count(head.owed_visits)}）", f"{ui.fmt_count(head.done_visits)} 次",
          help=f"本年截至当日实地走访次数合计（{ui.fmt_int(head.done_visits)} 次）；"
               f"括号内为按规则应走访次数合计（{ui.fmt_int(head.owed_visits)} 次）")
ui.metric(cols[4], "干部达标", f"{ui.fmt_count(head.cadres_on_track)} 名")

# --- filters shared by the laggard list and the per-cadre table ------------------------------------------
units = query(compliance.unit_options, ctx.scope, ctx.as_of)
unit_names = {unit_id: name for unit_id, name in units}
with st.container(border=True):
    st.markdown("**筛选**（地区、截至日期在左侧栏选择）")
    row = st.columns([2, 1, 1.4, 1.2])
    unit_id = row[0].selectbox("工作单位", [None, *ui.narrowed(unit_names, "cp_unit", where=row[0])], key="cp_unit",
                               format_func=lambda u: ANY if u is None else unit_names[u], placeholder="请选择")
    rank = row[1].selectbox("职级", [ANY, *RANKS], key="cp_rank", placeholder="请选择")
    group = row[2].selectbox("对象类别", [ANY, *GROUPS], key="cp_group", placeholder="请选择")
    status = row[3].selectbox("状态", [ANY, *LAGGARD_STATUSES], key="cp_status",
                              help="滞后：含同时失联的；失联：含同时滞后的；滞后、失联：两者都有", placeholder="请选择")
    row = st.columns([2, 1, 1.4, 1.2])
    text = row[0].text_input("搜索干部或单位", key="cp_text", placeholder="干部姓名、干部编号或单位名称")
    silent_over = row[1].number_input("未联系天数超过", min_value=0, max_value=3650, value=0, step=30,
                                      key="cp_silent", help="0 表示不限")
    row[2].markdown("&nbsp;")
    reminded_only = row[2].checkbox("只看本年已提醒/督办的干部", key="cp_reminded")
    signals_only = row[2].checkbox("只看有真实性核查信号的干部", key="cp_signals",
                                   help="本年截至当日有补录、集中补录、临检突击、雷同记录、只联不访或回访不符的干部")
# One view at a time (not tabs): only the chosen view's query runs, which matters at province scale.
by_village = len(ctx.scope.prefix) >= 9  # a township's user sees its villages
level = "村" if by_village else "乡镇"
VIEWS = ("滞后失联名单", f"按{level}汇总", "按单位汇总", "按干部汇总")
view_row = st.columns([3, 2])
view = view_row[0].radio("查看", VIEWS, horizontal=True, key="cp_view", label_visibility="collapsed")
order = ui.sort_choice(sorting.labels(LAGGARD_SORTS), "cp_sort", where=view_row[1]) if view == VIEWS[0] else ""
flt = LaggardFilter(
    order=order,
    unit_id=unit_id,
    rank=None if rank == ANY else rank,
    group=None if group == ANY else group,
    status=None if status == ANY else status,
    min_days_silent=int(silent_over) or None,
    reminded_only=reminded_only,
    signals_only=signals_only,
    text=text.strip(),
)


if view == VIEWS[0]:
    page_no = st.session_state.get("cp_page", 1)
    result = query(compliance.laggard_page, ctx.scope, ctx.as_of, policy, flt, page_no, PAGE_SIZE)
    if result.total and result.rows.empty:  # the filter shrank the list below the page asked for
        st.session_state["cp_page"] = page_no = 1
        result = query(compliance.laggard_page, ctx.scope, ctx.as_of, policy, flt, page_no, PAGE_SIZE)
    st.subheader(f"滞后、失联结对 {ui.fmt_int(result.total)} 户")
    if result.total == 0:
        ui.empty("没有符合条件的滞后或失联结对。" if flt != LaggardFilter() else
                 f"{ctx.region_name}截至 {ctx.as_of:%Y-%m-%d} 所有在结对户均已达标。")
    else:
        st.caption(f"按“{order}”排列；导出的名单也按此排列。勾选表格左侧可选中干部，用于发出提醒或查看详情。")
        rows = result.rows
        shown = rows.drop(columns=["pairing_id", "cadre_id"])
        issue_round = st.session_state.get("cp_round", 0)  # a new round after each issue: ticks cleared
        event = st.dataframe(
            shown, hide_index=True, width="stretch", on_select="rerun", selection_mode="multi-row",
            key=f"cp_table_{issue_round}_{sorting.labels(LAGGARD_SORTS).index(order)}",
            column_config={
                "最近联系日期": st.column_config.DateColumn(format="YYYY-MM-DD"),
                "未联系天数": st.column_config.NumberColumn(format="%d 天"),
                "本年提醒": st.column_config.NumberColumn(format="%d 次"),
            },
        )
        ui.pager(result.total, PAGE_SIZE, "cp_page")
        picked = [int(i) for i in getattr(getattr(event, "selection", None), "rows", [])]
        labels = {
            int(r.pairing_id): f"{r.干部姓名}（{r.工作单位}）· 户 {r.户编号} · {r.状态}"
            for r in rows.itertuples(index=False)
        }
        chosen_by_table = [int(rows.iloc[i]["pairing_id"]) for i in picked if i < len(rows)]

        act, look, export = st.columns([3, 1.2, 1.4])
        with look:
            cadre_choice = sorted({int(rows.iloc[i]["cadre_id"]) for i in picked if i < len(rows)})
            if st.button("查看所选干部详情", disabled=len(cadre_choice) != 1, icon=":material/person_search:",
                         help="在表格中勾选一位干部的结对后可用"):
                st.switch_page("pages/cadre.py", query_params={"cadre": str(cadre_choice[0])})
        with export:
            if ctx.actor.may("export_lists"):
                ui.download(
                    f"导出名单（{ui.fmt_int(result.total)} 户）",
                    lambda: write(compliance.export_laggards, ctx.scope, ctx.as_of, policy, flt,
                                  ctx.region_name, "xlsx", actor=ctx.actor),
                    f"滞后干部名单_{ctx.region_name}_{ctx.as_of:%Y%m%d}.xlsx",
                    help="导出当前筛选条件下的全部滞后、失联结对（Excel，列与上表相同）；导出会记入审计日志。",
                )
                ui.download(
                    "按单位分表导出",
                    lambda: write(compliance.export_laggards_by_unit, ctx.scope, ctx.as_of, policy, flt,
                                  ctx.region_name, actor=ctx.actor),
                    f"滞后干部名单_按单位_{ctx.region_name}_{ctx.as_of:%Y%m%d}.xlsx",
                    help="同一份名单，每个工作单位一个工作表，便于各单位只收到本单位的名单；导出会记入审计日志。",
                    key="cp_export_units",
                )
        with act:
            if ctx.actor.may("issue_reminders"):
                with st.expander("发出提醒 / 督办", expanded=bool(chosen_by_table), icon=":material/campaign:"):
                    with st.form(f"cp_issue_{issue_round}", enter_to_submit=False):
                        chosen = st.multiselect("对象（在表格中勾选，或在此选择）", list(labels),
                                                default=chosen_by_table, format_func=labels.get,
                                                placeholder="在表格中勾选，或点此选择", select_all=False)
                        row = st.columns(2)
                        kind = row[0].radio("方式", ACTION_KINDS, horizontal=True, key="cp_kind",
                                            help="提醒：首次督促；督办：提醒后仍未落实的正式督办")
                        today = current_date()
                        deadline = row[1].date_input(
                            "回应期限", today + dt.timedelta(days=policy.response_days), min_value=today,
                            format="YYYY-MM-DD", help=f"默认为今天起 {policy.response_days} 天（规则设置中可改）",
                        )
                        note = st.text_input("附言（可选）", placeholder="例如：请于期限前完成实地走访并报送情况")
                        submitted = st.form_submit_button("发出", type="primary")
                    if submitted:
                        if not chosen:
                            st.warning("请先选择要提醒或督办的对象。")
                        else:
                            try:
                                issued = write(supervision.issue, ctx.scope, ctx.as_of, policy, kind, chosen,
                                               today, deadline, note, actor=ctx.actor)
                            except (ScopeError, ValueError) as exc:
                                st.error(f"未能发出：{exc}")
                            else:
                                st.session_state["cp_issued"] = issued.batch_no
                                st.session_state["cp_round"] = issue_round + 1
                                st.rerun()
            else:
                st.caption("发出提醒、督办需督查组账号。")

elif view == VIEWS[1]:
    regions = query(compliance.region_rollup, ctx.scope, ctx.as_of, policy, 12 if by_village else 9)
    st.plotly_chart(
        charts.share_bars(regions.head(20), "地区", f"结对达标率最低的{level}（前 20 个）", share="结对达标率"),
        width="stretch",
    )
    if not by_village and not regions.empty:
        ui.drill_select(dict(zip(regions["地区"], regions["code"], strict=True)), level, "cp_drill",
                        where=st.columns([1, 2])[0])
    ui.table(
        regions.drop(columns=["code"]).rename(columns={"地区": level}),
        percent=("结对达标率", "联系完成率", "走访完成率"),
    )
    st.caption("联系完成率、走访完成率：每户已完成次数超过应完成的部分不计，防止一户多联掩盖他户未联。")

elif view == VIEWS[2]:
    unit_frame = query(compliance.unit_rollup, ctx.scope, ctx.as_of, policy, 300)
    st.caption("干部状态取其所结对各户中最差的一户；按干部达标率由低到高排列（最多显示 300 个单位）。")
    ui.table(unit_frame.drop(columns=["unit_id"]),
             percent=("干部达标率",))

else:
    cadre_page_no = st.session_state.get("cp_cadre_page", 1)
    cadres = query(compliance.cadre_rollup, ctx.scope, ctx.as_of, policy, flt, cadre_page_no, PAGE_SIZE)
    if cadre_page_no > 1 and cadres.rows.empty:
        st.session_state["cp_cadre_page"] = cadre_page_no = 1
        cadres = query(compliance.cadre_rollup, ctx.scope, ctx.as_of, policy, flt, cadre_page_no, PAGE_SIZE)
    st.subheader(f"滞后、失联干部 {ui.fmt_int(cadres.total)} 名")
    if cadres.total == 0:
        ui.empty("没有符合条件的滞后或失联干部。")
    else:
        ui.table(cadres.rows.drop(columns=["cadre_id"]),
                 column_config={"最近联系日期": st.column_config.DateColumn(format="YYYY-MM-DD")})
        ui.pager(cadres.total, PAGE_SIZE, "cp_cadre_page")
