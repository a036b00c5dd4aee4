"""账号管理: list accounts in the administrator's region; add one; reset a password, disable,
enable, unlock, or change role and region. Every change is audited (data_access.accounts)."""

import streamlit as st

from dashboard import ui
from dashboard.cache import fresh, write
from dashboard.context import get_context
from data_access import accounts

ctx = get_context()
ui.header(ctx, caption="账号只能由管理员开设；密码仅以加密摘要保存，管理员也无法查看。")
scope = ctx.user.scope
roles = list(accounts.ROLE_LABELS)
region_options = fresh(accounts.account_regions, scope)
region_names = dict(region_options)
region_codes = ([""] if not scope.prefix else []) + [code for code, _ in region_options]


def region_label(code: str) -> str:
    return "全部地区（仅系统管理员）" if code == "" else f"{region_names[code]}（{code}）"


def run(fn, *args, success: str, **kwargs) -> None:
    try:
        write(fn, *args, actor=ctx.actor, **kwargs)
    except accounts.AccountError as exc:
        st.error(str(exc))
    else:
        ui.flash(ctx, success)


frame = fresh(accounts.list_users, scope)
st.subheader(f"账号（{len(frame)} 个）")
if frame.empty:
    ui.empty("还没有账号。可在下方新建，或用命令行 python -m dashboard user add 开设。")
else:
    ui.table(frame)

new_tab, edit_tab = st.tabs(["新建账号", "修改账号"])
with new_tab, st.form("new_user", clear_on_submit=False, enter_to_submit=False):
    cols = st.columns(2)
    username = cols[0].text_input("用户名", key="new_username", help="字母、数字和 _ . @ -；统一身份认证用户填写其邮箱")
    display_name = cols[1].text_input("姓名", key="new_display_name")
    role = cols[0].selectbox("角色", roles, format_func=accounts.ROLE_LABELS.get, key="new_role", placeholder="请选择")
    region = cols[1].selectbox("地区", region_codes, format_func=region_label, key="new_region",
                               help="账号只能查看该地区的数据；乡镇账号只能查看本乡镇", placeholder="请选择")
    method = st.radio("登录方式", ["密码", "统一身份认证"], horizontal=True, key="new_method")
    cols = st.columns(2)
    password = cols[0].text_input("初始密码", type="password", key="new_password", help=f"至少 {accounts.MIN_PASSWORD_LENGTH} 位")
    repeat = cols[1].text_input("再次输入密码", type="password", key="new_repeat")
    if st.form_submit_button("新建账号", type="primary"):
        if method == "密码" and password != repeat:
            st.error("两次输入的密码不一致。")
        else:
            run(accounts.create_user, username, role, region, password if method == "密码" else None,
                display_name, success=f"已新建账号 {username.strip()}。")

with edit_tab:
    if frame.empty:
        ui.empty("没有可修改的账号。")
    else:
        target = st.selectbox("选择账号", list(frame["用户名"]), key="users_target", placeholder="请选择")
        row = frame.set_index("用户名").loc[target]
        state = fresh(accounts.standing, target)
        st.caption(f"{row['姓名'] or target} · {row['角色']} · {row['地区']} · 状态：{state.label}")
        cols = st.columns(3)
        if not state.active:
            if cols[0].button("启用账号", width="stretch"):
                run(accounts.set_active, target, True, success=f"已启用账号 {target}。")
        elif target != ctx.user.username and cols[0].button("停用账号", width="stretch",
                                                help="停用后该账号立即退出，不能再登录"):
            run(accounts.set_active, target, False, success=f"已停用账号 {target}，其登录已全部结束。")
        if state.locked and cols[1].button("解除锁定", width="stretch"):
            run(accounts.unlock, target, success=f"已解除账号 {target} 的锁定。")

        with st.form("reset_password", enter_to_submit=False):
            st.markdown("**重置密码**")
            cols = st.columns(2)
            new_password = cols[0].text_input("新密码", type="password")
            new_repeat = cols[1].text_input("再次输入新密码", type="password")
            if st.form_submit_button("重置密码"):
                if new_password != new_repeat:
                    st.error("两次输入的密码不一致。")
                else:
                    run(accounts.set_password, target, new_password,
                        success=f"已重置账号 {target} 的密码，其原有登录已全部结束。")

        with st.form("change_role", enter_to_submit=False):
            st.markdown("**修改角色和地区**")
            cols = st.columns(3)
            current_role = next(k for k, v in accounts.ROLE_LABELS.items() if v == row["角色"])
            new_role = cols[0].selectbox("角色", roles, index=roles.index(current_role),
                                         format_func=accounts.ROLE_LABELS.get, placeholder="请选择")
            code = row["区划代码"]
            new_region = cols[1].selectbox("地区", region_codes, format_func=region_label,
                                           index=region_codes.index(code) if code in region_codes else 0, placeholder="请选择")
            new_name = cols[2].text_input("姓名", value=row["姓名"])
            if st.form_submit_button("保存修改"):
                run(accounts.update_user, target, new_role, new_region, new_name,
                    success=f"已修改账号 {target}，新的角色和地区在其下次登录时生效。")
