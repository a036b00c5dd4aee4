"""回访核实 (inspectors; leaders read): draw a sample of pairings to check by phone or in person — at
random within the region or weighted toward pairings with authenticity signals — as a dated task
list per inspector, and enter each result, which closes the task and feeds 回访不符 on 真实性核查.
The loop is data_access.return_visits."""

import datetime as dt

import streamlit as st

from dashboard import ui
from dashboard.cache import query, write
from dashboard.context import get_context
from data_access import permissions, return_visits
from data_access.config import current_date
from data_access.scope import ScopeError
from data_access.vocabulary import CADRE_CAME_ANSWERS, RETURN_VISIT_METHODS, SATISFACTION_LEVELS

ANY = "全部"

ctx = get_context()
policy = ctx.policy
ui.header(ctx, caption=f"{ctx.region_name} · 抽查结对户，电话或入户询问干部是否真的上门")

if flash := st.session_state.pop("rv_done", None):
    st.success(flash, icon=":material/check_circle:")

can_manage = ctx.actor.may("manage_return_visits")
today = current_date()

if can_manage:
    with st.expander("抽取回访名单", icon=":material/shuffle:"):
        with st.form("rv_draw"):
            row = st.columns(3)
            size = row[0].number_input("抽查户数", min_value=1, max_value=500, value=20, step=1)
            how = row[1].radio("抽样方式", [return_visits.WEIGHTED, return_visits.RANDOM], horizontal=True,
                               help="按信号抽查：先抽记录有真实性信号的结对户（信号多的优先），不足再随机补足")
            due = row[2].date_input("完成期限", today + dt.timedelta(days=policy.return_visit_days), min_value=today,
                                    format="YYYY-MM-DD")
            people = {**query(return_visits.inspectors, ctx.actor.scope),
                      ctx.user.username: ctx.user.display_name or ctx.user.username}
            who = st.multiselect("回访人（名单按人轮流分配）", sorted(people), default=[ctx.user.username],
                                 format_func=people.get, placeholder="选择督查组人员")
            submitted = st.form_submit_button("抽取并生成名单", type="primary")
        if submitted:
            try:
                made = write(return_visits.draw_sample, ctx.scope, ctx.as_of, policy, int(size),
                             how == return_visits.WEIGHTED, who, due, None, today, actor=ctx.actor)
            except (ScopeError, ValueError, permissions.PermissionDenied) as exc:
                st.error(f"未能抽取：{exc}")
            else:
                st.session_state["rv_done"] = (
                    f"已生成回访名单 {made.list_no}：{made.tasks} 户，回访人 {'、'.join(people.get(u, u) for u in made.inspectors)}，"
                    f"期限 {made.due_date:%Y-%m-%d}。")
                st.rerun()

mine = query(return_visits.tasks, ctx.scope, ctx.user.username, return_visits.OPEN) if can_manage else None
if mine is not None:
    st.markdown(f"#### 我的待回访任务（{len(mine)}）")
    if mine.empty:
        ui.empty("没有待回访的任务。")
    else:
        ui.table(mine.drop(columns=["回访人", "状态", "回访日期", "满意度", "干部是否上门"]))
        labels = {
            int(r["任务号"]): f"任务 {r['任务号']}｜{r['户编号']} {r['村']}｜干部 {r['干部姓名']}｜期限 {r['完成期限']:%Y-%m-%d}"
            for _, r in mine.iterrows()
        }
        linked_task = st.query_params.get("task")  # ?task=<任务号>: a link from 我的待办
        if linked_task and linked_task != st.session_state.get("_rv_url"):
            st.session_state["_rv_url"] = linked_task
            if linked_task.isdigit() and int(linked_task) in labels:
                st.session_state["rv_task"] = int(linked_task)
        with st.form("rv_result", clear_on_submit=True):
            st.markdown("**登记回访结果**")
            task_id = st.selectbox("回访任务", list(labels), format_func=labels.get, key="rv_task", placeholder="请选择")
            row = st.columns(4)
            day = row[0].date_input("回访日期", today, max_value=today, format="YYYY-MM-DD")
            method = row[1].selectbox("回访方式", RETURN_VISIT_METHODS, placeholder="请选择")
            level = row[2].selectbox("满意度", SATISFACTION_LEVELS, placeholder="请选择")
            came = row[3].selectbox("干部是否上门", CADRE_CAME_ANSWERS,
                                    help="家属自己说的：近三个月干部是否到家里来过", placeholder="请选择")
            note = st.text_input("说明（可选）", placeholder="例如：家属说干部只打过电话")
            saved = st.form_submit_button("登记结果", type="primary")
        if saved:
            try:
                done = write(return_visits.record_result, int(task_id), day, method, level, came, note,
                             actor=ctx.actor)
            except (ScopeError, ValueError, permissions.PermissionDenied) as exc:
                st.error(f"未能登记：{exc}")
            else:
                said = "干部没上门" if done.cadre_came == "否" else f"干部是否上门：{done.cadre_came}"
                st.session_state["rv_done"] = (
                    f"已登记任务 {done.task_id}（{done.household_code}，干部{done.cadre_name}）的回访结果：{said}。"
                    "任务已完成；如与登记的走访不符，会出现在“真实性核查”的回访不符中。")
                st.rerun()

st.markdown("#### 本地区回访任务")
status = st.radio("状态", [ANY, *return_visits.STATUSES], horizontal=True, key="rv_status")
every = query(return_visits.tasks, ctx.scope, None, None if status == ANY else status)
if every.empty:
    ui.empty("还没有回访任务。督查组可在上方抽取名单，或在“真实性核查”页从干部行安排。")
else:
    ui.table(ui.blank_gaps(every), column_config={
        "安排日期": st.column_config.DateColumn(format="YYYY-MM-DD"),
        "完成期限": st.column_config.DateColumn(format="YYYY-MM-DD"),
    })
    st.caption("结对对象姓名已隐去部分字。")
