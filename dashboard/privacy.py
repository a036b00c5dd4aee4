"""The reveal widget: personal data is masked on every page; an admin or leader may open one
record in full on purpose, stating why. The full values are shown for that one run only (the next
click masks them again) and every reveal is audited (data_access.privacy)."""

from __future__ import annotations

import streamlit as st

from dashboard.cache import write
from dashboard.context import get_context
from data_access import privacy
from data_access.scope import ScopeError


def reveal(kind: str, record_id: int, label: str = "查看完整信息") -> None:
    """A small popover next to a masked record (`kind` "person" or "cadre"); nothing for roles
    that may not reveal."""
    ctx = get_context()
    if not ctx.actor.may("reveal"):
        return
    key = f"reveal_{kind}_{record_id}"
    with st.popover(label, icon=":material/visibility:"):
        st.caption("完整身份证号、电话仅在工作确有需要时查看；每次查看都记入审计日志。")
        reason = st.text_input("查看事由", key=f"{key}_why", placeholder="例如：核实身份重复、电话回访")
        if not st.button("确认查看", key=f"{key}_go", type="primary"):
            return
        if not reason.strip():
            st.warning("请先填写查看事由。")
            return
        try:
            shown = write(privacy.REVEAL[kind], record_id, reason, actor=ctx.actor)
        except ScopeError:
            st.error("该记录不在您的查看范围内。")
            return
        lines = [f"**姓名**：{shown.name}"]
        if shown.id_number:
            lines.append(f"**身份证号**：{shown.id_number}")
        lines.append(f"**电话**：{shown.phone or '未登记'}")
        st.markdown("  \n".join(lines))
        st.caption("已记录本次查看。离开或点击其他内容后重新隐藏。")
