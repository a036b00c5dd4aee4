"""Entry script (served by `streamlit run dashboard/server.py`, which adds the cookie routes): the
frame around every page — login, shared filters, navigation for the user's role, and a friendly
message instead of any traceback."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run` puts dashboard/ on the path, not the repository
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from streamlit.commands import navigation as st_navigation  # noqa: E402

from dashboard import auth, filters, navigation, ui  # noqa: E402
from dashboard.cache import query  # noqa: E402
from dashboard.context import PageContext, set_context  # noqa: E402
from data_access import freshness  # noqa: E402
from data_access.config import current_date  # noqa: E402
from data_access.policy import load_policy  # noqa: E402


def _say_page_not_found(ctx) -> None:
    """Replaces Streamlit's English "Page not found" dialog (a mistyped address): the entry script
    says it in Chinese above the home page instead."""
    st.session_state[auth.PAGE_NOT_FOUND] = True


st_navigation.send_page_not_found = _say_page_not_found


def _freshness_note(scope) -> None:
    """Sidebar: how many townships' data is older than the setting (数据更新提醒天数)."""
    policy = query(load_policy)
    now = dt.datetime.combine(current_date(), dt.time())
    total, stale = query(freshness.stale_count, scope, now, policy.freshness_warn_days)
    if stale:
        st.sidebar.warning(f"数据更新：{stale}/{total} 个乡镇超过 {policy.freshness_warn_days} 天未更新，详见工作总览。",
                           icon=":material/schedule:")
    elif total:
        st.sidebar.caption(f"数据更新：{total} 个乡镇均在 {policy.freshness_warn_days} 天内有更新。")


def main() -> None:
    st.set_page_config(page_title="结对关爱督导台", page_icon=":material/diversity_1:", layout="wide")
    user = auth.require_user()
    st.logo(str(ROOT / "dashboard" / "static" / "logo.svg"), size="large")
    pages, specs = {}, {}
    for spec in navigation.PAGES:  # pages the role may not open stay hidden but known, to be refused
        page = st.Page(str(ROOT / spec.script), title=spec.title, icon=spec.icon, url_path=spec.url_path,
                       default=spec.script == "pages/home.py",
                       visibility="visible" if navigation.can_open(user.role, spec.script) else "hidden")
        pages.setdefault(spec.section, []).append(page)
        specs[page.url_path] = spec
    current = st.navigation(pages, expanded=True)  # all of the role's pages; no English "View more"
    wanted = auth.wanted_page()  # a shared link opened before login: go where it pointed, filters kept
    by_path = {page.url_path: page for section in pages.values() for page in section}
    if wanted in by_path and by_path[wanted].url_path != current.url_path:
        st.switch_page(by_path[wanted], query_params=st.query_params.to_dict())
    if st.session_state.pop(auth.PAGE_NOT_FOUND, False):
        st.warning("地址中的页面不存在（可能输入有误），已打开工作总览。请从左侧导航选择页面。", icon=":material/link_off:")
    st.sidebar.markdown("**筛选条件**")
    region_code, region_name = filters.region_filter(user.scope)
    as_of = filters.date_filter(current_date())
    policy = query(load_policy)
    if filters.reading_filter(as_of, current_date()):
        policy = dataclasses.replace(policy, as_known=1)
    spec = specs[current.url_path]
    set_context(
        PageContext(
            user=user,
            scope=user.scope.narrow(region_code),
            region_code=region_code,
            region_name=region_name,
            as_of=as_of,
            policy=policy,
            page_title=spec.title,
        )
    )
    if user.actor.may("view_lists"):
        _freshness_note(user.scope.narrow(region_code))
    refused_region = st.session_state.pop("_scope_refused", None)
    if refused_region:
        auth.refuse_region(user, refused_region)
    if not navigation.can_open(user.role, spec.script):
        auth.refuse_page(user, spec.title, spec.script)
        return
    current.run()


try:
    main()
except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback on a page
    ui.friendly_error(exc)
