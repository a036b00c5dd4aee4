"""真实性核查 (inspectors, leaders): the authenticity signals of RULES.md per cadre over the year to the
sidebar date — counts per township and unit, the worst-first cadre list, the records behind each
signal of a cadre, and from a row a 督办 or a 回访 to check. The signals are data_access.signals."""

import dataclasses
import datetime as dt

import streamlit as st

from dashboard import ui
from dashboard.cache import query, write
from dashboard.context import get_context
from data_access import permissions, return_visits, signals, sorting
from data_access.compliance import unit_options
from data_access.config import current_date
from data_access.scope import ScopeError

ANY = "全部"
SHOWN = 500  # rows per page of the cadre list (a province has six-figure counts; the export has all)

ctx = get_context()
policy = ctx.policy
ui.header(ctx, caption=f"{ctx.region_name} · {ctx.year}年1月1日至{ctx.as_of:%Y年%m月%d日}的联系记录与回访")
st.caption(
    "以下信号是需要核实的线索，不是结论，也不改变任何达标统计。口径（规则设置中可改）："
    f"录入晚于联系日期 {policy.late_entry_days} 天以上为补录；同一天录入 {policy.burst_size} 条以上、"
    f"日期跨度 {policy.burst_span_days} 天以上为集中补录；季度末或督办期限前 {policy.deadline_window_days} 天内补录为临检突击；"
    f"去掉空格标点后 {policy.min_note_chars} 字以上的相同内容在本人 {policy.dup_note_count} 条以上或其他干部记录中出现为雷同记录；"
    f"应走访未走访而联系 {policy.min_contacts_no_visit} 次以上为只联不访；家属说干部没上门而此前三个月登记了走访为回访不符。"
)

# A 督办 or 回访 just made is confirmed beside the forms of the cadre acted on (who stays shown).
flash = st.session_state.pop("sg_done", None)
if flash and st.session_state.get("sg_cadre") is None:
    st.success(flash, icon=":material/check_circle:")

units = query(unit_options, ctx.scope, ctx.as_of)
townships = query(signals.township_options, ctx.scope)
row = st.columns(3)
signal = row[0].selectbox("信号", [ANY, *signals.SIGNALS], key="sg_signal", placeholder="请选择")
unit_names = {unit_id: name for unit_id, name in units}  # a province has ~6,000: searched first
unit_id = row[1].selectbox("工作单位", [None, *ui.narrowed(unit_names, "sg_unit", where=row[1])], key="sg_unit",
                           format_func=lambda u: ANY if u is None else unit_names[u], placeholder="请选择")
township_names = {name: code for code, name in townships}  # a province has ~1,300: searched first
offered = ui.narrowed({name: name for name in township_names}, "sg_township", where=row[2], noun="乡镇")
township = row[2].selectbox("乡镇", [ANY, *offered], key="sg_township", placeholder="请选择") if len(townships) > 1 else ANY
flt = signals.SignalFilter(
    signal=None if signal == ANY else signal,
    unit_id=unit_id,
    township=township_names.get(township),
)
# The cards count every signal (in the unit and township chosen), whichever signal the list shows;
# the list's length is one of them. Counted in the database: the list itself is read a page at a time.
totals = query(signals.cadre_totals, ctx.scope, ctx.as_of, policy, dataclasses.replace(flt, signal=None))
listed = totals.by_signal[flt.signal] if flt.signal else totals.cadres

# Two rows of three: a province's six-figure counts did not fit six cards in a row (cut to "174,…").
cols = [col for _ in range(2) for col in st.columns(3)]
for col, name in zip(cols, signals.SIGNALS, strict=True):
    ui.metric(col, name, f"{ui.fmt_int(totals.by_signal[name])} 人", help=signals.EXPLANATIONS[name] + "（有该信号的干部人数）")

# Only the open tab runs (on_change="rerun"): a province's counts per township and unit are read
# when that tab is opened, not with every view of the list.
tab_list, tab_area = st.tabs(["干部名单", "按乡镇、单位统计"], key="sg_tab", on_change="rerun")

with tab_area:
    if tab_area.open:
        by_township, by_unit = query(signals.area_counts, ctx.scope, ctx.as_of, policy)
        st.markdown("##### 按乡镇（记录所涉结对户所在乡镇）")
        if by_township.empty:
            ui.empty("没有发现信号。")
        else:
            ui.table(ui.paged(by_township, "sg_township_page", unit="个乡镇"))
        st.markdown("##### 按工作单位（干部所在单位）")
        if by_unit.empty:
            ui.empty("没有发现信号。")
        else:
            ui.table(ui.paged(by_unit, "sg_unit_page", unit="个单位"))
        st.caption("各信号列为涉及的记录条数；“有信号干部”为有任一信号的干部人数。")

if not tab_list.open:
    st.stop()

with tab_list:
    if not listed:
        ui.empty(f"{ctx.region_name}{ctx.year}年截至 {ctx.as_of:%Y-%m-%d} 没有发现所选信号。")
        st.stop()
    controls = st.columns([1, 2])
    order = ui.sort_choice(sorting.labels(signals.CADRE_SORTS), "sg_sort", where=controls[0])
    size = ui.page_size(SHOWN)
    page_no = ui.pager(listed, size, "sg_page", where=controls[1], unit="名")
    cadres = query(signals.cadre_signals, ctx.scope, ctx.as_of, policy, flt, order, (page_no - 1) * size, size)
    shown = (f"，按所选排序第 {(page_no - 1) * size + 1:,}–{(page_no - 1) * size + len(cadres):,} 名（全部名单请导出）"
             if listed > size else "")
    st.caption(f"共 {ui.fmt_int(listed)} 名干部{shown}。表中数字为各信号涉及的记录条数；勾选一行查看记录明细并处理。")
    event = st.dataframe(
        cadres.drop(columns=["cadre_id"]), hide_index=True, width="stretch", on_select="rerun",
        selection_mode="single-row", key=f"sg_table_{sorting.labels(signals.CADRE_SORTS).index(order)}_{page_no}",
    )
    if ctx.actor.may("export_lists"):
        ui.download(
            "导出 Excel",
            lambda: write(signals.export_signals, ctx.scope, ctx.as_of, policy, ctx.region_name, "xlsx", flt,
                          actor=ctx.actor),
            f"真实性核查_{ctx.region_name}_{ctx.as_of:%Y%m%d}.xlsx", key="sg_export", help="每名干部每个信号一行（干部编号、姓名、单位、信号、记录数）；导出记入审计日志。",
        )
    picked = event.selection.rows if event and event.selection else []
    labels = {int(c): f"{name}（{code}，{unit}）" for c, name, code, unit in zip(
        cadres["cadre_id"], cadres["干部姓名"], cadres["干部编号"], cadres["工作单位"], strict=True)}
    if picked:
        st.session_state["sg_cadre"] = int(cadres.iloc[picked[0]]["cadre_id"])
    if st.session_state.get("sg_cadre") not in labels:
        st.session_state["sg_cadre"] = None
    cadre_id = st.selectbox("查看干部的记录明细（或在表中勾选一行）", [None, *labels], key="sg_cadre",
                            format_func=lambda c: "请选择干部" if c is None else labels[c], placeholder="请选择")
    if cadre_id is None:
        st.stop()
    chosen = cadres.set_index("cadre_id").loc[cadre_id]
    st.markdown(f"#### {chosen['干部姓名']}（{chosen['干部编号']}，{chosen['工作单位']}）")
    found = [name for name in signals.SIGNALS if chosen[name]]
    for name in found:
        with st.expander(f"{name}：{int(chosen[name])} 条 — {signals.EXPLANATIONS[name]}", expanded=len(found) == 1):
            records = query(signals.records_behind, ctx.scope, ctx.as_of, policy, cadre_id, name)
            if name == signals.REPEATED:
                st.caption("内容相同（去掉空格标点后）的记录排在一起，便于对照。")
            ui.table(records)

    can_issue = ctx.actor.may("issue_reminders")
    can_schedule = ctx.actor.may("manage_return_visits")
    if not (can_issue or can_schedule):
        st.caption("发出督办、安排回访需督查组账号。")
        st.stop()
    if flash:
        st.success(flash, icon=":material/check_circle:")
    left, right = st.columns(2)
    today = current_date()
    if can_issue:
        with left.form(f"sg_issue_{cadre_id}"):
            st.markdown("**发出督办**")
            st.caption("对该干部在当前地区的全部结对户发出督办，附信号情况；已有待回应提醒督办的结对户升级为督办并更新期限，不另发。")
            deadline = st.date_input("回应期限", today + dt.timedelta(days=policy.response_days), min_value=today,
                                     format="YYYY-MM-DD", key=f"sg_deadline_{cadre_id}")
            if st.form_submit_button("发出督办", type="primary"):
                try:
                    issued = write(signals.issue_supervision, ctx.scope, ctx.as_of, policy, cadre_id, deadline, today,
                                   actor=ctx.actor)
                except (ScopeError, ValueError, permissions.PermissionDenied) as exc:
                    st.error(f"未能发出：{exc}")
                else:
                    escalated = f"，其中 {issued.escalated} 条原待回应的提醒督办已升级为督办" if issued.escalated else ""
                    st.session_state["sg_done"] = (
                        f"已向{chosen['干部姓名']}发出督办 {issued.actions} 条{escalated}，批次号 {issued.batch_no}，"
                        f"回应期限 {issued.deadline:%Y-%m-%d}。可在“提醒督办”页下载通知。")
                    st.rerun()
    if can_schedule:
        with right.form(f"sg_schedule_{cadre_id}"):
            st.markdown("**安排回访核实**")
            st.caption("向该干部结对的每户安排一次回访（电话或入户），核实干部是否真的上门。")
            people = {**query(return_visits.inspectors, ctx.actor.scope),
                      ctx.user.username: ctx.user.display_name or ctx.user.username}
            who = st.multiselect("回访人", sorted(people), default=[ctx.user.username], format_func=people.get,
                                 key=f"sg_who_{cadre_id}", placeholder="选择督查组人员")
            due = st.date_input("完成期限", today + dt.timedelta(days=policy.return_visit_days), min_value=today,
                                format="YYYY-MM-DD", key=f"sg_due_{cadre_id}")
            if st.form_submit_button("安排回访", type="primary"):
                try:
                    made = write(return_visits.schedule_for_cadre, ctx.scope, ctx.as_of, policy, cadre_id, who, due,
                                 today, actor=ctx.actor)
                except (ScopeError, ValueError, permissions.PermissionDenied) as exc:
                    st.error(f"未能安排：{exc}")
                else:
                    st.session_state["sg_done"] = (
                        f"已安排回访 {made.tasks} 户（名单号 {made.list_no}，回访人 {'、'.join(people.get(u, u) for u in made.inspectors)}，"
                        f"期限 {made.due_date:%Y-%m-%d}）。在“回访核实”页登记结果。")
                    st.rerun()
