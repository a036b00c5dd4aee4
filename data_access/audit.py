"""The audit log: who did what, when, where, to what. Written in the same transaction as the act."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_access.models import AuditEntry, Region
from data_access.scope import Scope

# Actions, with the Chinese names the audit page shows.
ACTION_LABELS = {
    "login": "登录成功",
    "login_failed": "登录失败",
    "logout": "退出登录",
    "session_expired": "登录超时退出",
    "scope_refused": "越权访问被拒绝",
    "reveal": "查看完整个人信息",
    "export": "导出",
    "import": "导入",
    "reminder": "提醒/督办",
    "reminder_withdrawn": "撤回提醒/督办",
    "need_change": "诉求办理",
    "case_status": "典型案例状态变更",
    "case_edit": "典型案例编辑",
    "policy_setting": "修改达标规则设置",
    "user_admin": "账号管理",
    "demo_build": "生成演示数据",
    "assessment_freeze": "冻结季考核",
    "accountability": "约谈/通报批评/问责",
    "cadre_status": "修改干部状态",
    "publicity_override": "典型案例审核（督查问题说明理由）",
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


# How the audit page words the detail keys and values the app writes; others are shown as they are.
DETAIL_LABELS = {
    "method": "方式", "reason": "原因", "failed_attempts": "连续失败次数", "locked_minutes": "锁定分钟",
    "page": "页面", "role": "角色", "region": "地区代码", "op": "操作", "rows": "行数", "file": "文件",
    "fields": "内容", "why": "事由", "accounts": "账号数", "password": "设密码", "scale": "规模", "seed": "随机种子",
    "as_of": "截至日期", "households": "户数", "kind": "类别", "count": "数量", "format": "格式",
}
DETAIL_VALUES = {
    "password": "密码", "oidc": "统一身份认证", "unknown_user": "用户名不存在", "wrong_password": "密码错误",
    "locked": "账号锁定中", "disabled": "账号已停用", "unknown_identity": "身份未登记", "idle": "长时间未操作",
    "max_age": "超过最长登录时间", "add": "新建", "passwd": "重置密码", "enable": "启用", "disable": "停用",
    "unlock": "解除锁定", "update": "修改角色和地区", "demo": "创建演示账号", True: "是", False: "否",
}


def describe(detail: str | None) -> str:
    """The JSON detail of an entry as a short Chinese line."""
    if not detail:
        return ""
    try:
        values = json.loads(detail)
    except ValueError:
        return detail
    if not isinstance(values, dict):
        return str(values)

    def word(value):
        if isinstance(value, list):
            return "、".join(str(word(v)) for v in value)
        return DETAIL_VALUES.get(value, value) if isinstance(value, str | bool) else value

    return "；".join(f"{DETAIL_LABELS.get(k, k)}：{word(v)}" for k, v in values.items())


def _filters(scope: Scope, username: str | None, actions: tuple[str, ...], start: dt.date | None,
             end: dt.date | None) -> list:
    where = [] if not scope.prefix else [scope.within(AuditEntry.region_code)]
    if username:
        where.append(AuditEntry.username == username)
    if actions:
        where.append(AuditEntry.action.in_(actions))
    if start:
        where.append(AuditEntry.at >= dt.datetime.combine(start, dt.time()))
    if end:
        where.append(AuditEntry.at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    return where


def count_entries(session: Session, scope: Scope, username: str | None = None, actions: tuple[str, ...] = (),
                  start: dt.date | None = None, end: dt.date | None = None) -> int:
    """How many entries match (entries of regions inside `scope`; a whole-database scope sees all)."""
    where = _filters(scope, username, actions, start, end)
    return session.scalar(select(func.count()).select_from(AuditEntry).where(*where))


def entries(session: Session, scope: Scope, username: str | None = None, actions: tuple[str, ...] = (),
            start: dt.date | None = None, end: dt.date | None = None, offset: int = 0,
            limit: int = 50) -> pd.DataFrame:
    """One page of matching entries, newest first, with the Chinese action names."""
    rows = session.execute(
        select(AuditEntry.at, AuditEntry.username, AuditEntry.action, AuditEntry.region_code, AuditEntry.target,
               AuditEntry.detail, Region.name.label("region_name"))
        .outerjoin(Region, Region.code == AuditEntry.region_code)
        .where(*_filters(scope, username, actions, start, end))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return pd.DataFrame(
        [
            {"时间": f"{r.at:%Y-%m-%d %H:%M:%S}", "用户": r.username or "", "操作": ACTION_LABELS.get(r.action, r.action),
             "地区": r.region_name or r.region_code or "", "对象": r.target or "", "详情": describe(r.detail)}
            for r in rows
        ],
        columns=["时间", "用户", "操作", "地区", "对象", "详情"],
    )


def usernames(session: Session, scope: Scope) -> list[str]:
    """Everyone who appears in the log inside `scope`, for the user filter."""
    where = [AuditEntry.username.is_not(None)] + _filters(scope, None, (), None, None)
    return list(session.scalars(select(AuditEntry.username).where(*where).distinct().order_by(AuditEntry.username)))
