"""干部详情: one cadre — their pairings and status on the chosen day, contacts and visits against
what was owed at each quarter end, needs raised and closed, reminders received and what followed.
Names of the persons cared for are masked; the cadre's work phone is shown (inspectors and leaders
call the cadre), with the cadre's status (admins edit it) and the accountability chain recorded."""

import datetime as dt

import streamlit as st

from dashboard import auth, charts, ui
from dashboard.cache import query, write
from dashboard.context import get_context
from data_access import accountability, compliance, permissions, recording, signals, supervision, turnover
from data_access.config import current_date
from data_access.scope import ScopeError
from data_access.vocabulary import (
    ACTION_KINDS,
    CADRE_ACTIVE,
    CADRE_CAME_ANSWERS,
    CADRE_STATUSES,
    METHODS,
    RETURN_VISIT_METHODS,
    SATISFACTION_LEVELS,
)

ctx = get_context()
ui.header(ctx)

# The cadre the URL names (?cadre=id: a shared link, or another page's link to this one), unless
# this page wrote it there for the cadre already picked here.
wanted = st.query_params.get("cadre")
if wanted == st.session_state.get("_cd_url") and "cd_pick" in st.session_state:
    wanted = None
text = st.text_input("查找干部", key="cd_text", placeholder="输入干部姓名、干部编号或单位名称")
options = query(compliance.find_cadres, ctx.scope, text, 30)
if wanted is not None and all(str(o.id) != str(wanted) for o in options):
    linked = query(compliance.cadre_profile, ctx.scope, int(wanted)) if str(wanted).isdigit() else None
    if linked is not None:
        options = [compliance.CadreOption(linked.id, linked.code, linked.name, linked.unit), *options]
    else:  # a link naming a cadre outside the user's region (or none at all): say so, audited
        auth.refuse_record(ctx.user, "干部", str(wanted))
        wanted = None
if not options:
    ui.empty("没有找到符合条件的结对干部。请换个姓名、编号或单位再试，或检查左侧所选地区。")
    st.stop()
ids = [o.id for o in options]
labels = {o.id: o.label for o in options}
if wanted is not None and str(wanted).isdigit() and int(wanted) in ids:
    st.session_state["cd_pick"] = int(wanted)
if st.session_state.get("cd_pick") not in ids:
    st.session_state.pop("cd_pick", None)
cadre_id = st.selectbox(f"选择干部（匹配 {len(options)} 名{'，仅列前 30 名' if len(options) >= 30 else ''}）",
                        ids, format_func=labels.get, key="cd_pick", placeholder="请选择")
st.query_params["cadre"] = st.session_state["_cd_url"] = str(cadre_id)

profile = query(compliance.cadre_profile, ctx.scope, cadre_id)
if profile is None:
    st.error("该干部在当前所选地区没有结对户，无法查看。请在左侧栏选择其结对户所在地区。")
    st.stop()

pairings = query(compliance.cadre_pairings, ctx.scope, ctx.as_of, ctx.policy, cadre_id)
standing = query(compliance.cadre_standing, ctx.scope, ctx.as_of, ctx.policy, cadre_id)
actions = query(supervision.cadre_actions, ctx.scope, ctx.as_of, ctx.policy, cadre_id)

status, status_date = query(turnover.status_of, cadre_id)
st.subheader(f"{profile.name}（{profile.code}）")
st.markdown(
    f"**工作单位**　{profile.unit}　　**职级**　{profile.rank}{'（领导干部）' if profile.is_leader else ''}"
    f"　　**工作电话**　{profile.phone or '未登记'}"
    f"　　**状态**　{status}{f'（{status_date:%Y-%m-%d}）' if status_date else ''}"
)
if status != CADRE_ACTIVE:
    st.warning(f"该干部已{status}，其尚无接续的结对列为“待调整结对”（见逾期事项、覆盖情况），请尽快安排新的结对干部。",
               icon=":material/person_remove:")
if ctx.actor.may("edit_cadres"):
    with st.expander("修改干部状态（调离、退休等）", icon=":material/edit:"):
        with st.form("cd_status"):
            row = st.columns(2)
            new_status = row[0].selectbox("状态", CADRE_STATUSES, index=CADRE_STATUSES.index(status), placeholder="请选择", key="cd_status_pick")
            new_date = row[1].date_input("状态日期", status_date or current_date(), max_value=current_date(),
                                         format="YYYY-MM-DD", key="cd_status_date")
            changed = st.form_submit_button("保存", type="primary")
        if changed:
            try:
                done = write(turnover.set_status, cadre_id, new_status, new_date, actor=ctx.actor)
            except (ScopeError, ValueError, permissions.PermissionDenied) as exc:
                st.error(f"未能保存：{exc}")
            else:
                st.session_state["cd_done"] = f"已将{done.cadre_name}的状态由“{done.old}”改为“{done.new}”。"
                st.rerun()
cols = st.columns(4)
ui.metric(cols[0], "当前状态", standing.status, help="截至当日所结对各户中最差的状态")
ui.metric(cols[1], "在结对户", f"{standing.active} 户", help="截至当日仍在结对的户数（当前地区内）")
ui.metric(cols[2], "滞后或失联户", f"{standing.lagging} 户")
ui.metric(cols[3], "收到提醒/督办", f"{len(actions)} 次", help="截至当日收到的提醒和督办（仅含当前地区内的结对户）")
if ctx.actor.may("view_signals"):
    found = query(signals.cadre_signal_counts, ctx.scope, ctx.as_of, ctx.policy, cadre_id)
    if found:
        named = "、".join(f"{name} {n} 条" for name, n in found.items())
        st.warning(f"真实性核查信号（本年截至当日，需要核实的线索，不影响达标统计）：{named}。"
                   "记录明细见“真实性核查”页。", icon=":material/policy:")
    else:
        st.caption("真实性核查：本年截至当日未发现补录、雷同记录、只联不访等信号。")

if standing.lagging and ctx.actor.may("issue_reminders"):
    with st.expander(f"向该干部发出提醒 / 督办（滞后或失联 {standing.lagging} 户）", icon=":material/campaign:"):
        with st.form("cd_issue", enter_to_submit=False):
            row = st.columns(2)
            kind = row[0].radio("方式", ACTION_KINDS, horizontal=True, key="cd_kind")
            today = current_date()
            deadline = row[1].date_input("回应期限", today + dt.timedelta(days=ctx.policy.response_days),
                                         min_value=today, format="YYYY-MM-DD")
            note = st.text_input("附言（可选）")
            submitted = st.form_submit_button("发出", type="primary")
        if submitted:
            pairing_ids = query(compliance.laggard_pairings_of, ctx.scope, ctx.as_of, ctx.policy, (cadre_id,))
            try:
                issued = write(supervision.issue, ctx.scope, ctx.as_of, ctx.policy, kind, pairing_ids, today,
                               deadline, note, actor=ctx.actor)
            except (ScopeError, ValueError) as exc:
                st.error(f"未能发出：{exc}")
            else:
                ui.flash(ctx, f"已向{profile.name}发出{kind}，涉及 {issued.actions} 户，批次号 "
                              f"{issued.batch_no}，回应期限 {issued.deadline:%Y-%m-%d}。")

recorded = st.session_state.pop("cd_recorded", None)
if recorded:
    st.success(recorded, icon=":material/task_alt:")
if ctx.actor.may("record_contacts"):
    today = current_date()
    choices = query(recording.pairings_to_record, ctx.actor.scope, cadre_id, today)
    if not choices:
        st.info("该干部在您负责的地区没有可录入的结对户。", icon=":material/info:")
    else:
        labels_p = dict(choices)
        contact_tab, visit_tab = st.tabs(["录入联系记录", "录入满意度回访"])
        with contact_tab, st.form("cd_contact", clear_on_submit=True):
            row = st.columns(3)
            pairing_id = row[0].selectbox("结对户", list(labels_p), format_func=labels_p.get, placeholder="请选择", key="rc_pairing")
            day = row[1].date_input("联系日期", today, max_value=today, format="YYYY-MM-DD", key="rc_day")
            method = row[2].selectbox("联系方式", METHODS, placeholder="请选择", key="rc_method")
            content = st.text_area("内容", key="rc_content", placeholder="如：入户了解生活情况，帮助联系就医")
            gift = st.number_input("慰问金额（元，没有填 0）", min_value=0.0, step=50.0, key="rc_gift")
            save_contact = st.form_submit_button("保存联系记录", type="primary")
        with visit_tab, st.form("cd_visit", clear_on_submit=True):
            row = st.columns(3)
            visit_pairing = row[0].selectbox("结对户", list(labels_p), format_func=labels_p.get, placeholder="请选择", key="rv_pairing")
            visit_day = row[1].date_input("回访日期", today, max_value=today, format="YYYY-MM-DD", key="rv_day")
            visit_method = row[2].selectbox("回访方式", RETURN_VISIT_METHODS, placeholder="请选择", key="rv_method")
            row = st.columns(3)
            level = row[0].selectbox("满意度", SATISFACTION_LEVELS, placeholder="请选择", key="rv_level")
            came = row[1].selectbox("干部是否上门（家属所说，近一季度）", CADRE_CAME_ANSWERS, placeholder="请选择", key="rv_came")
            visitor = row[2].text_input("回访人", key="rv_visitor", placeholder="如：汉源镇民政办")
            visit_note = st.text_input("说明", key="rv_note")
            save_visit = st.form_submit_button("保存回访", type="primary")
        saved = None
        try:
            if save_contact:
                saved = write(recording.add_contact, pairing_id, day, method, content, gift or None,
                              actor=ctx.actor)
            elif save_visit:
                saved = write(recording.add_return_visit, visit_pairing, visit_day, visit_method, level, came,
                              visitor, visit_note, actor=ctx.actor)
        except (recording.RecordError, ScopeError) as exc:
            st.error(f"没有保存：{exc}" if isinstance(exc, recording.RecordError) else "该结对户不在您负责的地区，不能录入。")
        if saved is not None:
            st.session_state["cd_recorded"] = saved.sentence()
            st.rerun()

st.markdown("#### 结对户")
if pairings.empty:
    ui.empty("该干部在本年度截至当日没有在当前地区的结对户。")
else:
    shown = pairings.assign(结束日期=[d.isoformat() if d else "" for d in pairings["结束日期"]])
    ui.table(shown, column_config={
        "开始日期": st.column_config.DateColumn(format="YYYY-MM-DD"),
        "最近联系日期": st.column_config.DateColumn(format="YYYY-MM-DD"),
    })

st.markdown("#### 联系走访进度")
timeline = query(compliance.cadre_timeline, ctx.scope, ctx.as_of, ctx.policy, cadre_id)
st.plotly_chart(charts.cadre_progress(timeline, f"{ctx.year}年各季度末累计完成与应完成（按当时掌握的情况）"),
                width="stretch")
st.caption("虚线为按规则应完成的累计次数，实线为实际累计完成次数；柱为该季度内实际联系、走访次数。")

chain = query(accountability.chain, ctx.scope, cadre_id)
contacts_tab, needs_tab, actions_tab, chain_tab = st.tabs(
    ["联系记录", "诉求", "提醒督办", f"约谈问责（{len(chain)}）" if len(chain) else "约谈问责"])
with contacts_tab:
    contacts = query(compliance.cadre_contacts, ctx.scope, ctx.as_of, cadre_id)
    if contacts.empty:
        ui.empty(f"{ctx.year}年截至当日没有联系记录。")
    else:
        st.caption(f"{ctx.year}年截至当日的联系记录，最近的在前（最多 200 条）。")
        ui.table(contacts, column_config={"日期": st.column_config.DateColumn(format="YYYY-MM-DD"),
                                          "录入时间": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")})
with needs_tab:
    needs = query(compliance.cadre_needs, ctx.scope, ctx.as_of, cadre_id)
    if needs.empty:
        ui.empty("截至当日，该干部的结对户没有登记诉求。")
    else:
        counts = compliance.need_state_counts(needs)
        st.caption(f"共 {len(needs)} 件：" + "，".join(f"{state} {n} 件" for state, n in counts.items())
                   + "（均按截至日期的情况）。")
        ui.table(needs)
with actions_tab:
    if actions.empty:
        ui.empty("截至当日，该干部没有收到提醒或督办。")
    else:
        st.caption("回应情况：期限内联系了该户为已回应；期限已过仍未联系为逾期未回应。")
        ui.table(actions)
with chain_tab:
    if chain.empty:
        ui.empty("该干部没有约谈、通报批评或问责记录。")
    else:
        st.caption("督办逾期未回应后登记的处理，按日期先后（在“督办问责”页登记）。")
        ui.table(chain, column_config={"日期": st.column_config.DateColumn(format="YYYY-MM-DD")})
