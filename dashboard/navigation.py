"""The page registry: every page, its section, and the action (data_access.permissions.ACTIONS) it
needs. The entry script builds `st.navigation` from this list: a role sees the pages whose action
permissions.ROLE_ACTIONS gives it, and is refused the others; pages themselves hold no gates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from data_access import permissions

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PageSpec:
    script: str  # path under the repository root
    title: str
    icon: str
    section: str
    action: str  # what a role must be allowed (permissions.ACTIONS) to see and open the page

    @property
    def url_path(self) -> str:
        return Path(self.script).stem


# Sections in the order the sidebar shows them. Each issue's pages go after its marker line.
PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/home.py", "工作总览", ":material/dashboard:", "总览", "view_aggregates"),
    PageSpec("pages/my_work.py", "我的待办", ":material/checklist:", "总览", "view_my_work"),
    # -- leaders' pages (覆盖、政策落实、趋势、排名、月通报)
    PageSpec("pages/coverage.py", "覆盖情况", ":material/groups:", "领导查看", "view_lists"),
    PageSpec("pages/policy_delivery.py", "政策落实", ":material/fact_check:", "领导查看", "view_lists"),
    PageSpec("pages/satisfaction.py", "满意度回访", ":material/sentiment_satisfied:", "领导查看", "view_lists"),
    PageSpec("pages/trends.py", "趋势分析", ":material/trending_up:", "领导查看", "view_lists"),
    PageSpec("pages/rankings.py", "单位排名", ":material/leaderboard:", "领导查看", "view_lists"),
    PageSpec("pages/bulletin.py", "月通报", ":material/campaign:", "领导查看", "bulletin"),
    PageSpec("pages/assessment.py", "季考核", ":material/military_tech:", "领导查看", "view_assessment"),
    # -- inspection pages (达标督查、干部详情、提醒督办)
    PageSpec("pages/compliance.py", "达标督查", ":material/rule:", "督查督办", "view_lists"),
    PageSpec("pages/cadre.py", "干部详情", ":material/badge:", "督查督办", "view_lists"),
    PageSpec("pages/supervision.py", "提醒督办", ":material/campaign:", "督查督办", "view_lists"),
    PageSpec("pages/accountability.py", "督办问责", ":material/gavel:", "督查督办", "view_lists"),
    # -- authenticity pages (真实性核查、回访核实)
    PageSpec("pages/signals.py", "真实性核查", ":material/policy:", "督查督办", "view_signals"),
    PageSpec("pages/return_visits.py", "回访核实", ":material/phone_in_talk:", "督查督办", "view_signals"),
    # -- needs and overdue pages (诉求台账、逾期事项)
    PageSpec("pages/needs.py", "诉求台账", ":material/assignment_late:", "诉求与逾期", "view_lists"),
    PageSpec("pages/overdue.py", "逾期事项", ":material/alarm:", "诉求与逾期", "view_lists"),
    # -- publicity pages (典型案例)
    PageSpec("pages/case_candidates.py", "案例挖掘", ":material/manage_search:", "典型案例", "view_cases"),
    PageSpec("pages/case_detail.py", "案例详情", ":material/article:", "典型案例", "view_cases"),
    PageSpec("pages/case_gallery.py", "案例展示", ":material/photo_library:", "典型案例", "view_cases"),
    # -- data pages (数据导入、数据核查)
    PageSpec("pages/data_import.py", "数据导入", ":material/upload_file:", "数据管理", "import"),
    PageSpec("pages/verification.py", "数据核查", ":material/playlist_add_check:", "数据管理", "view_verification"),
    # -- system pages (账号、审计日志、规则设置)
    PageSpec("pages/policy_settings.py", "规则设置", ":material/tune:", "系统管理", "edit_policy"),
    PageSpec("pages/users.py", "账号管理", ":material/manage_accounts:", "系统管理", "manage_users"),
    PageSpec("pages/audit_log.py", "审计日志", ":material/history:", "系统管理", "view_audit"),
)


def roles_for(page: PageSpec) -> tuple[str, ...]:
    """The roles that see the page: those the permission table allows its action."""
    return tuple(role for role, actions in permissions.ROLE_ACTIONS.items() if page.action in actions)


def pages_for(role: str) -> list[PageSpec]:
    return [page for page in PAGES if permissions.allowed(role, page.action)]


def can_open(role: str, script: str) -> bool:
    return any(page.script == script and permissions.allowed(role, page.action) for page in PAGES)
