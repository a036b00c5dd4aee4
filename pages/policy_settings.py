"""规则设置 (admin): every policy setting with its meaning, current and default value; a change is
saved, audited and bumps the data version so every page recomputes its figures under the new rule."""


import streamlit as st

from dashboard import ui
from dashboard.cache import query, write
from dashboard.context import get_context
from data_access import permissions, policy

ctx = get_context()
ui.header(ctx, caption="达标判定、认门、诉求期限、提醒督办等口径的参数；修改后全部页面立即按新口径重新计算，每次修改记入审计日志。")

current = policy.as_dict(query(policy.load_policy))
defaults = policy.as_dict(policy.Policy())
SECTIONS = (
    ("达标判定与认门", ("contacts_per_period", "visits_per_period", "grace_days", "silent_days", "first_visit_days")),
    ("诉求与提醒督办", ("need_due_days", "escalation_days", "response_days", "late_entry_grace_days")),
    ("真实性核查与回访核实", ("late_entry_days", "burst_size", "burst_span_days", "deadline_window_days",
                        "min_note_chars", "dup_note_count", "min_contacts_no_visit", "return_visit_days")),
    ("结对调整、核查与排名", ("max_households_per_cadre", "successor_gap_days", "adult_age", "ranking_bottom_count")),
)
listed = {key for _, keys in SECTIONS for key in keys}
sections = [*SECTIONS, ("其他（典型案例评分等）", tuple(k for k in policy.POLICY_LABELS if k not in listed))]

with st.form("policy_settings", enter_to_submit=False):
    values: dict[str, int] = {}
    for title, keys in sections:
        keys = [k for k in keys if k in policy.POLICY_LABELS and k in current]
        if not keys:
            continue
        st.subheader(title)
        cols = st.columns(3)
        for i, key in enumerate(keys):
            label, explanation = policy.POLICY_LABELS[key]
            changed = "" if current[key] == defaults[key] else f"（默认 {defaults[key]}）"
            values[key] = cols[i % 3].number_input(
                f"{label}{changed}", min_value=policy.MINIMUMS.get(key, 0), max_value=3650, value=current[key],
                step=1, key=f"ps_{key}", help=explanation,
            )
    submitted = st.form_submit_button("保存修改", type="primary")

if submitted:
    changes = {k: int(v) for k, v in values.items() if int(v) != current[k]}
    if not changes:
        st.info("没有修改任何设置。")
    else:
        try:
            with st.spinner(policy.saving_note(changes)):
                changed = write(policy.change_settings, changes, actor=ctx.actor)
        except (ValueError, KeyError, permissions.PermissionDenied) as exc:
            st.error(f"未能保存：{exc}")
        else:
            names = "、".join(f"{policy.POLICY_LABELS[k][0]} {current[k]}→{changes[k]}" for k in changed)
            ui.flash(ctx, f"已保存：{names}。各页面数据已按新口径重新计算。")

st.subheader("全部设置一览")
ui.table(
    [
        {"设置项": label, "当前值": current[key], "默认值": defaults[key], "说明": explanation}
        for key, (label, explanation) in policy.POLICY_LABELS.items()
        if key in current
    ]
)
