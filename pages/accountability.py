"""督办问责: the accountability chain after an unanswered 督办. The page proposes the next step for every
督办 unanswered past its deadline (约谈 → 通报批评 → 问责); an inspector or leader decides and records it
(dated, note, document number); the cadres at each step per unit."""


import streamlit as st

from dashboard import ui
from dashboard.cache import query, write
from dashboard.context import get_context
from data_access import accountability, permissions
from data_access.config import current_date
from data_access.scope import ScopeError
from data_access.vocabulary import ACCOUNTABILITY_STEPS

PAGE_SIZE = ui.page_size(200)

ctx = get_context()
ui.header(ctx)
st.caption("督办回应期限已过、干部仍未联系结对户的，系统提出下一步处理建议（约谈 → 通报批评 → 问责），"
           "是否处理、如何处理由督查组或领导决定并登记；每次登记记入审计日志，并显示在干部详情中。")

if flash := st.session_state.pop("ac_done", None):
    st.success(flash, icon=":material/check_circle:")

proposals_tab, units_tab = st.tabs(["逾期未回应的督办", "按单位查看处理情况"])
with proposals_tab:
    total = query(accountability.proposal_count, ctx.scope, ctx.as_of, policy=ctx.policy)
    page = ui.pager(total, PAGE_SIZE, "ac_page")
    proposals = query(accountability.proposals, ctx.scope, ctx.as_of, limit=PAGE_SIZE,
                      offset=(page - 1) * PAGE_SIZE, policy=ctx.policy)
    if proposals.empty:
        ui.empty(f"{ctx.region_name}截至 {ctx.as_of:%Y-%m-%d} 没有逾期未回应的督办。")
    else:
        shown = (f"，本页为第 {(page - 1) * PAGE_SIZE + 1:,}–{(page - 1) * PAGE_SIZE + len(proposals):,} 条"
                 if total > PAGE_SIZE else "")
        st.caption(f"共 {ui.fmt_int(total)} 条{shown}，回应期限最早的在前。选中一行可登记处理。")
        picked = st.dataframe(proposals.drop(columns=["督办编号", "cadre_id"]), hide_index=True, width="stretch",
                              on_select="rerun", selection_mode="single-row", key="ac_rows",
                              column_config={"回应期限": st.column_config.DateColumn(format="YYYY-MM-DD")})
        rows = picked.selection.rows if picked else []
        if rows and ctx.actor.may("record_accountability"):
            row = proposals.iloc[rows[0]]
            cadre_id = int(row["cadre_id"])
            action_id = int(row["督办编号"])
            proposed = row["建议下一步"]
            st.markdown(f"**登记处理：{row['干部姓名']}（{row['干部编号']}，{row['工作单位']}）**　督办批次 {row['批次号']}，"
                        f"户 {row['户编号']}，已逾期 {row['逾期天数']} 天" + (f"，已登记：{row['已登记']}" if row["已登记"] else ""))
            if not proposed:
                st.info("该督办已登记至问责，没有下一步建议。")
            else:
                with st.form(f"ac_form_{action_id}", clear_on_submit=True):
                    cols = st.columns(3)
                    step = cols[0].selectbox("处理方式", ACCOUNTABILITY_STEPS,
                                             index=ACCOUNTABILITY_STEPS.index(proposed), key="ac_step", placeholder="请选择")
                    day = cols[1].date_input("日期", current_date(), max_value=current_date(), format="YYYY-MM-DD",
                                             key="ac_date")
                    doc_no = cols[2].text_input("文号", placeholder="如 西结办督〔2025〕12号（通报批评、问责必填）",
                                                key="ac_doc")
                    note = st.text_area("情况说明", placeholder="约谈人、约谈内容、干部表态，或通报、问责的事由", key="ac_note")
                    submitted = st.form_submit_button("登记", type="primary")
                if submitted:
                    try:
                        done = write(accountability.record_step, cadre_id, step, day, note, doc_no, action_id,
                                     actor=ctx.actor)
                    except (ScopeError, accountability.StepError, permissions.PermissionDenied) as exc:
                        st.error(f"未能登记：{exc}")
                    else:
                        st.session_state["ac_done"] = (
                            f"已登记：{done.cadre_name} {done.step}（{done.step_date:%Y-%m-%d}"
                            f"{'，' + done.doc_no if done.doc_no else ''}）。可在干部详情中查看该干部的处理记录。")
                        st.rerun()
with units_tab:
    counts = query(accountability.unit_step_counts, ctx.scope)
    if counts.empty:
        ui.empty("尚未登记约谈、通报批评或问责。")
    else:
        st.caption("每名干部按其已登记的最重一步计。")
        ui.table(counts)
        ui.table(query(accountability.cadres_at_steps, ctx.scope),
                 column_config={"日期": st.column_config.DateColumn(format="YYYY-MM-DD")})
