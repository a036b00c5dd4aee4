"""The audit log: who did what, when, where, to what. Written in the same transaction as the act."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy.orm import Session

from data_access.models import AuditEntry

# Actions, with the Chinese names the audit page shows.
ACTION_LABELS = {
    "login": "登录成功",
    "login_failed": "登录失败",
    "logout": "退出登录",
    "scope_refused": "越权访问被拒绝",
    "reveal": "查看完整个人信息",
    "export": "导出",
    "import": "导入",
    "reminder": "提醒/督办",
    "need_change": "诉求办理",
    "case_status": "典型案例状态变更",
    "case_edit": "典型案例编辑",
    "policy_setting": "修改达标规则设置",
    "user_admin": "账号管理",
}


def record(
    session: Session,
    username: str | None,
    action: str,
    region_code: str | None = None,
    target: str | None = None,
    detail: dict | None = None,
) -> None:
    session.add(
        AuditEntry(
            at=dt.datetime.now().replace(microsecond=0),
            username=username,
            action=action,
            region_code=region_code,
            target=target,
            detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
        )
    )
