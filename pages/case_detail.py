"""案例详情: the case card assembled from the records, the vetting workflow, text editing and the brief."""

import re

import pandas as pd
import streamlit as st

from dashboard import auth, ui
from dashboard.cache import query, write
from dashboard.context import get_context
from dashboard.navigation import ROOT
from data_access import case_brief, cases, permissions
from data_access.config import current_date
from data_access.vocabulary import (
    CASE_APPROVED,
    CASE_CANDIDATE,
    CASE_CONSENTED,
    CASE_PUBLISHED,
    CASE_REJECTED,
    CASE_SHORTLISTED,
)

CANDIDATES = str(ROOT / "pages" / "case_candidates.py")
STEPS = (CASE_CANDIDATE, CASE_SHORTLISTED, CASE_CONSENTED, CASE_APPROVED, CASE_PUBLISHED)


def esc(text: str) -> str:
    """Plain text for st.markdown (a masked ID's asterisks must not turn into italics)."""
    return re.sub(r"([\\`*_{}\[\]<>#+\-!|~])", r"\\\1", text or "")


def as_int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def act(fn, *args, done: str, **kwargs) -> None:
    """Run one workflow write as the logged-in user; show the rule's sentence when it is refused."""
    try:
        write(fn, *args, actor=ctx.actor, **kwargs)
    except (cases.CaseError, permissions.PermissionDenied) as exc:
        st.error(str(exc))
        return
    ui.flash(ctx, done)


ctx = get_context()
ui.header(ctx)
role, username = ctx.user.role, ctx.user.username
can_manage = ctx.actor.may("manage_cases")
can_approve = ctx.actor.may("approve_cases")
today = current_date()


requested_case = as_int(st.query_params.get("case"))
requested_pairing = as_int(st.query_params.get("pairing")) if requested_case is None else None
options = query(cases.case_options, ctx.scope, ctx.as_of, ctx.policy)
choices = {f"case:{cid}": label for cid, label in options}
if requested_pairing is not None:
    choices = {f"pairing:{requested_pairing}": "从“案例挖掘”选中的结对（尚未建立案例）", **choices}
if not choices:
    if requested_case is not None:  # a case link into a region with no case of this user's: refused, audited
        auth.refuse_record(ctx.user, "案例", str(requested_case))
    ui.empty("还没有建立案例。请到“案例挖掘”中挑选候选结对并建立案例。")
    st.page_link(CANDIDATES, label="去案例挖掘", icon=":material/search:")
    st.stop()
wanted = f"pairing:{requested_pairing}" if requested_pairing is not None else f"case:{requested_case}"
if requested_case is not None and wanted not in choices:
    auth.refuse_record(ctx.user, "案例", str(requested_case))
tokens = list(choices)
picked = st.selectbox("选择案例", tokens, index=tokens.index(wanted) if wanted in tokens else 0,
                      format_func=choices.get, placeholder="请选择")
kind, key = picked.split(":")[0], int(picked.split(":")[1])
if kind == "case" and key != requested_case:
    st.query_params["case"] = str(key)
    if "pairing" in st.query_params:
        del st.query_params["pairing"]

try:
    card = query(cases.case_card, ctx.scope, ctx.as_of, ctx.policy,
                 key if kind == "pairing" else None, key if kind == "case" else None)
except cases.CaseError as exc:
    if isinstance(exc, cases.CaseNotFound):
        auth.refuse_record(ctx.user, "案例" if kind == "case" else "结对", str(key))
    else:
        st.error(str(exc))
    st.stop()
info = card.case

st.subheader(card.headline)
status = info.status if info else cases.NO_CASE
theme = (info.theme if info and info.theme else "、".join(card.themes)) or "—"
st.caption(f"状态：{status}　主题：{theme}　地区：{card.township}{card.village}")
guard = query(cases.publicity_guard, card.pairing_id, today, ctx.policy)
if guard.holds and (info is None or info.status != CASE_REJECTED):
    st.warning(f"督查提示：{guard.sentence()}。在此期间不宜宣传该干部的事迹，案例暂不能审核通过或发布；"
               "领导确需审核或发布的，须说明理由（记入审计日志）。", icon=":material/report:")
if card.involves_minor:
    st.warning("涉及未成年人：只使用化名和年龄；须登记监护人的知情同意后，方可审核、发布。", icon=":material/child_care:")

left, right = st.columns([1, 1.2])
with left:
    st.markdown(f"**结对干部**：{esc(card.cadre)}（{esc(card.cadre_rank)}，{esc(card.unit)}），{esc(card.role)}")
    st.markdown(f"**关爱对象**：{esc(card.who)}")
    st.markdown("**案例故事**")
    st.markdown(esc(card.story))
    if card.changes:
        st.markdown("**帮扶成效**")
        st.markdown("\n".join(f"- {esc(change)}" for change in card.changes))
with right:
    ui.table(pd.DataFrame(card.facts, columns=["项目", "情况"]))

st.markdown("**过程记录**（联系、诉求、政策落实和群众评价，按日期排列）")
if card.timeline.empty:
    ui.empty("截至所选日期，这个结对还没有任何记录。")
else:
    timeline = card.timeline.assign(**{"慰问(元)": [f"{v:,.0f}" if pd.notna(v) else "" for v in card.timeline["慰问(元)"]]})
    ui.table(ui.paged(timeline, "cd_timeline_page"))

st.divider()
st.subheader("审核流程")
if info is None:
    st.markdown("尚未建立案例。建立后依次经过：" + " → ".join(STEPS) + "。")
    confirm = st.popover("建立案例", type="primary", icon=":material/add:") if can_manage else None
    if confirm is not None:
        confirm.markdown("建立后案例只能“标为未采用”，不能删除。确认为这个结对建立案例？")
    if confirm is not None and confirm.button("确认建立案例", type="primary", key="case_create"):
        try:
            new_id = write(cases.create_case, ctx.scope, ctx.as_of, ctx.policy, card.pairing_id,
                           actor=ctx.actor)
        except (cases.CaseError, permissions.PermissionDenied) as exc:
            st.error(str(exc))
        else:
            st.query_params["case"] = str(new_id)
            if "pairing" in st.query_params:
                del st.query_params["pairing"]
            ui.flash(ctx, f"已建立案例（编号 {new_id}），状态为“候选”。")
    st.stop()

st.markdown(" → ".join(f"**【{s}】**" if s == info.status else s for s in STEPS)
            + (f"　（当前：**{CASE_REJECTED}**）" if info.status == CASE_REJECTED else ""))
if info.has_consent:
    st.markdown(esc(f"知情同意：{info.consent_relation}{info.consent_by}，{info.consent_date:%Y年%m月%d日}，"
                    f"使用范围：{info.consent_scope}"))
if info.approved_at:
    st.markdown(esc(f"审核：{info.approved_by}，{info.approved_at:%Y年%m月%d日}"))
if info.override_reason:
    st.markdown(esc(f"{info.override_step}时结对干部有督查问题，{info.override_step}人说明的理由：{info.override_reason}"))
if info.status == CASE_REJECTED:
    st.markdown(esc(f"未采用原因：{info.reject_reason}"))
appeared = query(cases.publications, ctx.scope, (info.id,)).get(info.id)
if appeared is not None:
    st.markdown(f"**发布记录**（{len(appeared)} 次；在“案例展示”登记）")
    ui.table(appeared, column_config={"链接": st.column_config.LinkColumn("链接", display_text="打开链接")})

if info.status == CASE_CANDIDATE and can_manage and st.button("列为入围", type="primary"):
    act(cases.shortlist, ctx.scope, info.id, done="已列为入围案例。")

if info.status == CASE_SHORTLISTED and can_manage:  # once registered, the consent is shown above, locked
    with st.form("consent", enter_to_submit=False):
        st.markdown("**登记知情同意**" + ("（涉及未成年人，须由监护人同意）" if card.involves_minor else ""))
        c = st.columns([1, 1, 1])
        given_by = c[0].text_input("同意人姓名", max_chars=50)
        relation = c[1].radio("同意人身份", cases.CONSENT_RELATIONS, horizontal=True,
                              index=1 if card.involves_minor else 0)
        given_on = c[2].date_input("同意日期", value=today, max_value=today, format="YYYY-MM-DD")
        consent_scope = st.text_input("同意的使用范围", max_chars=200, placeholder="如：县融媒体中心公众号、宣传展板")
        if st.form_submit_button("登记知情同意"):
            act(cases.record_consent, ctx.scope, today, ctx.policy, info.id, given_by, relation, given_on,
                consent_scope, done="已登记知情同意，待领导审核。")
elif info.status == CASE_SHORTLISTED:
    st.info("待宣传干部登记知情同意。", icon=":material/hourglass_top:")



def guarded_step(step: str, write, done: str, waiting: str, key: str) -> None:
    """审核通过 or 发布: a plain button, or — while the publicity guard holds — a leader's form that
    takes the reason (cases/guard.py decides; the write checks it again and audits the override)."""
    if can_approve and guard.holds and ctx.actor.may("override_publicity_guard"):
        with st.form(key, enter_to_submit=False):
            st.markdown(f"**说明理由并{step}**（结对干部有上述督查问题）")
            why = st.text_area("理由（必填，记入审计日志）", max_chars=500, key=f"{key}_why",
                               placeholder="如：所述事迹发生在问题之前且已核实，问题已督促整改")
            if st.form_submit_button(f"说明理由并{step}", type="primary"):
                act(write, ctx.scope, today, ctx.policy, info.id, override_reason=why,
                    done=f"{done}，说明的理由已记入审计日志。")
    elif can_approve and guard.holds:
        st.info(f"结对干部有督查问题，须由领导说明理由后方可{step.removesuffix('通过')}。",
                icon=":material/hourglass_top:")
    elif can_approve:
        if st.button(step, type="primary"):
            act(write, ctx.scope, today, ctx.policy, info.id, done=f"{done}。")
    else:
        st.info(waiting, icon=":material/hourglass_top:")


if info.status == CASE_CONSENTED:
    if can_manage and not can_approve:
        st.caption("知情同意已登记，不能再修改；如需更正，请“标为未采用”后重新入围并登记。")
    guarded_step("审核通过", cases.approve, "已审核通过", "待领导审核。", "override")
if info.status == CASE_APPROVED:
    guarded_step("发布", cases.publish, "案例已发布", "已审核，待领导发布。", "override_publish")
if info.status == CASE_REJECTED and can_manage and st.button("重新列为候选"):
    act(cases.reopen, ctx.scope, info.id, done="已重新列为候选。")

if info.status != CASE_REJECTED and (can_manage or can_approve):
    label = "撤下已发布的案例" if info.status == CASE_PUBLISHED else "标为未采用"
    with st.expander(label):
        reason = st.text_area("原因（必填）", key="reject_reason", max_chars=500)
        if st.button(label, key="reject"):
            act(cases.reject, ctx.scope, info.id, reason, done=f"已{label}。")

if can_manage and info.status in cases.EDITABLE_STATUSES:
    st.divider()
    st.subheader("编辑案例文字")
    st.caption("这里只修改案例的标题、化名、主题和正文，不会改变联系记录、诉求等原始数据。请勿写入真实姓名、身份证号、电话。")
    with st.form("edit", enter_to_submit=False):
        headline = st.text_input("标题", value=info.headline or card.headline, max_chars=200)
        c = st.columns(2)
        alias = c[0].text_input("化名", value=info.alias, max_chars=50,
                                placeholder=card.persons[0].alias if card.persons else "")
        fitting = cases.theme_choices(card.persons[0] if card.persons else None, ctx.policy)
        theme_options = ["", *fitting, *([info.theme] if info.theme and info.theme not in fitting else [])]
        theme_pick = c[1].selectbox("主题", theme_options,
                                    index=theme_options.index(info.theme) if info.theme in theme_options else 0,
                                    format_func=lambda t: t or "（未定）", placeholder="请选择")
        narrative = st.text_area("正文", value=info.narrative or card.story, height=220)
        if st.form_submit_button("保存修改"):
            try:
                changed = write(cases.edit_case, ctx.scope, today, ctx.policy, info.id, headline, narrative,
                                alias, theme_pick, actor=ctx.actor)
            except (cases.CaseError, permissions.PermissionDenied) as exc:
                st.error(str(exc))
            else:
                ui.flash(ctx, f"已保存：{'、'.join(changed)}。" if changed else "没有修改。")

st.divider()
scope, as_of, policy, case_id = ctx.scope, ctx.as_of, ctx.policy, info.id
display, region_name = ctx.user.display_name or username, ctx.region_name


def make_brief() -> bytes:
    return write(case_brief.case_brief, scope, as_of, policy, case_id, display, region_name, actor=ctx.actor)


ui.download("下载案例简报（Word）", make_brief, f"典型案例简报_案例{info.id}.docx", help="标题、故事、主要事实和审核情况；对象只用化名。导出会记入审计日志。")
