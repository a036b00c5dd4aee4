"""Who may do what: the one permission table (ROLE_ACTIONS) every page, export and write asks.

- Every write and export in data_access takes `*, actor: Actor` and calls `check(actor, action)`
  itself before touching anything; where it names a record, the record must lie in `actor.scope`
  (else ScopeError), and an export's rows (`scope`) must lie inside it.
- Each page in dashboard/navigation.py names the action it needs; the navigation shows a role the
  pages whose action it may take and refuses the others. Pages hold no role lists or gates.
- `tests/test_access_model.py` walks every write and export with every role against this table.
Region scope (which rows) itself is scope.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from data_access.scope import Scope, ScopeError

ACTIONS = {
    "view_lists": "查看对象、干部和结对名单",
    "view_aggregates": "查看汇总统计",
    "reveal": "查看完整身份证号、电话",
    "export_lists": "导出名单",
    "issue_reminders": "发出提醒、督办",
    "edit_needs": "办理诉求（上报、备注、办结）",
    "view_cases": "查看典型案例",
    "manage_cases": "挖掘、编辑典型案例，登记知情同意",
    "approve_cases": "审核、发布典型案例",
    "import": "导入数据",
    "view_verification": "查看数据核查",
    "manage_users": "管理账号",
    "edit_policy": "修改达标规则设置",
    "view_audit": "查看审计日志",
    "view_assessment": "查看季考核",
    "freeze_assessment": "冻结季考核结果",
    "record_accountability": "登记约谈、通报批评、问责",
    "edit_cadres": "修改干部在岗状态",
    "override_publicity_guard": "审核有督查问题干部的典型案例（说明理由）",
    "bulletin": "生成、导出月通报",
    "record_contacts": "录入联系记录和满意度回访",
    "view_signals": "查看真实性核查",
    "manage_return_visits": "安排回访核实、登记回访结果",
    "view_my_work": "查看我的待办",
}

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(ACTIONS),
    "leader": frozenset(
        {"view_lists", "view_aggregates", "reveal", "export_lists", "edit_needs", "view_cases", "approve_cases",
         "view_verification", "view_assessment", "freeze_assessment", "record_accountability",
         "override_publicity_guard", "bulletin", "view_signals", "view_my_work"}
    ),
    "inspector": frozenset({"view_lists", "view_aggregates", "export_lists", "issue_reminders", "edit_needs",
                            "view_assessment", "record_accountability", "view_signals", "manage_return_visits",
                            "view_my_work"}),
    "publicity": frozenset({"view_aggregates", "view_cases", "manage_cases", "view_my_work"}),
    # 乡镇经办 / 单位联络员: records the daily contacts and 回访 of the pairings in their region.
    "clerk": frozenset({"view_lists", "view_aggregates", "record_contacts", "view_my_work"}),
}


class PermissionDenied(PermissionError):
    def __init__(self, role: str, action: str):
        super().__init__(f"当前角色无权{ACTIONS.get(action, action)}")
        self.role, self.action = role, action


def allowed(role: str, action: str) -> bool:
    if action not in ACTIONS:
        raise KeyError(action)
    return action in ROLE_ACTIONS.get(role, frozenset())


def require(role: str, action: str) -> None:
    if not allowed(role, action):
        raise PermissionDenied(role, action)


@dataclass(frozen=True)
class Actor:
    """Who is acting: passed keyword-only (`actor=`) to every write and export in data_access, which
    checks its own action with `check(actor, action)` before touching anything."""

    username: str
    role: str
    scope: Scope = Scope()

    def may(self, action: str) -> bool:
        return allowed(self.role, action)


def check(actor: Actor, action: str, scope: Scope | None = None) -> None:
    """Refuse (PermissionDenied) unless the actor's role may take `action`; with `scope` (the rows an
    export will read), refuse (ScopeError) unless that lies inside the actor's region."""
    require(actor.role, action)
    if scope is not None and not scope.prefix.startswith(actor.scope.prefix):
        raise ScopeError(f"所选地区不在账号 {actor.username} 的查看范围内")


def check_any(actor: Actor, actions: tuple[str, ...], scope: Scope | None = None) -> None:
    """As `check`, for a step any of several actions allows (e.g. 未采用: who manages or approves cases)."""
    allowed_one = next((action for action in actions if actor.may(action)), None)
    check(actor, allowed_one or actions[0], scope)


def check_record(actor: Actor, region_code: str | None, what: str) -> None:
    """Refuse (ScopeError) a write or export naming a record whose region lies outside the actor's."""
    if not actor.scope.contains(region_code or ""):
        raise ScopeError(f"{what}不存在或不在您账号的管辖范围内")
