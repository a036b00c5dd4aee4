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
    "cookie_refused": "登录凭据被篡改",
    "reveal": "查看完整个人信息",
    "export": "导出",
    "import": "导入",
    "reminder": "提醒/督办",
    "reminder_withdrawn": "撤回提醒/督办",
    "return_visit_tasks": "安排回访核实",
    "return_visit_result": "登记回访结果",
    "need_change": "诉求办理",
    "case_status": "典型案例状态变更",
    "case_edit": "典型案例编辑",
    "policy_setting": "修改达标规则设置",
    "user_admin": "账号管理",
    "demo_build": "生成演示数据",
    "assessment_freeze": "冻结季考核",
    "accountability": "约谈/通报批评/问责",
    "cadre_status": "修改干部状态",
    "publicity_override": "典型案例审核或发布（督查问题说明理由）",
    "case_publication": "典型案例发布记录",
}


MAX_VALUE_CHARS = 200  # a requested value, file name or detail value is kept up to this long
MAX_DETAIL_CHARS = 4000  # the whole detail, as JSON


def _cap(text: str | None, limit: int) -> str | None:
    """At most `limit` characters: a longer value (a crafted link, a pasted file) is cut, marked,
    and its length kept, so the log cannot be flooded or carry a payload whole."""
    if text is None or len(text) <= limit:
        return text
    suffix = f"…（共 {len(text)} 字）"
    return text[: max(limit - len(suffix), 0)] + suffix


def _capped(value):
    if isinstance(value, str):
        return _cap(value, MAX_VALUE_CHARS)
    if isinstance(value, dict):
        return {_cap(str(k), 60): _capped(v) for k, v in list(value.items())[:50]}
    if isinstance(value, list | tuple):
        return [_capped(v) for v in list(value)[:50]]
    return value


def record(
    session: Session,
    username: str | None,
    action: str,
    region_code: str | None = None,
    target: str | None = None,
    detail: dict | None = None,
) -> None:
    """One entry. Every text is capped (MAX_VALUE_CHARS per value, MAX_DETAIL_CHARS for the detail)
    and fits its column, whatever a request carried."""
    text = json.dumps(_capped(detail), ensure_ascii=False, default=str) if detail else None
    session.add(
        AuditEntry(
            at=dt.datetime.now().replace(microsecond=0),
            username=_cap(username, 60),
            action=action,
            region_code=region_code if region_code is None or len(region_code) <= 12 else None,
            target=_cap(target, MAX_VALUE_CHARS),
            detail=_cap(text, MAX_DETAIL_CHARS),
        )
    )


# How the audit page words what the app writes: every detail becomes a Chinese sentence (no
# English key, no None, no braces, no script path), whatever the entry's age.
DETAIL_LABELS = {
    "method": "方式", "reason": "原因", "failed_attempts": "连续失败次数", "locked_minutes": "锁定分钟", "locked_at": "此前被锁定于",
    "role": "角色", "region": "地区代码", "rows": "行数", "file": "文件", "fields": "内容", "why": "事由",
    "accounts": "账号数", "password": "设密码", "scale": "规模", "seed": "随机种子", "as_of": "截至日期", "length": "长度",
    "households": "户数", "kind": "类型", "count": "数量", "format": "格式", "actions": "条数", "cadres": "干部数",
    "issued": "发出日期", "deadline": "回应期限", "month": "月份", "group": "对象类别", "policy": "政策",
    "cases": "案例编号", "outcome": "结果", "sha256": "文件校验码", "counts": "条数", "problems": "问题",
    "setting": "设置项", "old": "原值", "new": "新增", "from": "原状态", "to": "新状态", "pairing_id": "结对编号",
    "filter": "筛选条件", "unit_id": "单位编号", "rank": "职级", "status": "状态", "min_days_silent": "未联系天数超过",
    "reminded_only": "只看已提醒", "text": "搜索", "record": "记录", "value": "编号", "updated": "更新",
    "unchanged": "未变", "rejected": "退回", "persons": "人员", "pairings": "结对", "contacts": "联系记录",
    "needs": "诉求", "cadre_id": "干部编号", "consent_by": "同意人", "consent_relation": "同意人身份",
    "consent_date": "同意日期", "consent_scope": "使用范围", "regions": "区划", "units": "单位",
    "need_events": "诉求办理记录", "policy_deliveries": "政策落实", "satisfaction": "满意度回访",
    "supervision_actions": "提醒督办", "typical_cases": "典型案例", "edited": "修改了文字",
}
DETAIL_VALUES = {
    "password": "密码", "oidc": "统一身份认证", "unknown_user": "用户名不存在", "wrong_password": "密码错误",
    "locked": "账号锁定中", "bad_signature": "签名不符", "disabled": "账号已停用", "unknown_identity": "身份未登记", "idle": "长时间未操作",
    "max_age": "超过最长登录时间", "add": "新建", "passwd": "重置密码", "enable": "启用", "disable": "停用",
    "unlock": "解除锁定", "update": "修改角色和地区", "demo": "创建演示账号",
    "admin": "系统管理员", "leader": "领导", "inspector": "督查组", "publicity": "宣传干部", "county": "县级",
    "province": "省级", "xlsx": "Excel", "csv": "CSV", "docx": "Word", "zip": "压缩包",
}
USER_OPS = {"add": "新建账号", "passwd": "重置密码", "enable": "启用账号", "disable": "停用账号", "unlock": "解除锁定",
            "update": "修改角色和地区", "demo": "创建演示账号"}
_SKIPPED = {"page", "check", "sha256"}  # said by the entry's 对象 column, or of no use to a reader


def _word(value) -> str:
    if isinstance(value, dict):
        return "，".join(f"{DETAIL_LABELS.get(k, k)} {_word(v)}" for k, v in value.items() if _present(v))
    if isinstance(value, list | tuple):
        return "、".join(_word(v) for v in value if _present(v))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str):
        return DETAIL_VALUES.get(value, value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _present(value) -> bool:
    return value not in (None, "", [], {}) and value is not False


def _listed(values: dict, keys: tuple[str, ...] | None = None) -> str:
    """'标签：值' parts of the keys present (all but the skipped ones when `keys` is None)."""
    keys = tuple(k for k in values if k not in _SKIPPED) if keys is None else keys
    return "；".join(f"{DETAIL_LABELS.get(k, k)}：{_word(values[k])}" for k in keys if _present(values.get(k)))


def _sentence(action: str | None, v: dict) -> str:
    rest = _listed(v)
    if action == "login":
        locked = f"；此前账号曾于 {v['locked_at']} 被锁定" if v.get("locked_at") else ""
        return f"以{_word(v.get('method', 'password'))}方式登录{locked}"
    if action == "cookie_refused":
        return f"登录凭据（Cookie）签名不符，可能被篡改，已拒绝（长度 {v.get('length', '')}）"
    if action in ("login_failed", "session_expired"):
        said = "登录失败" if action == "login_failed" else "登录结束"
        extra = "".join([f"；连续失败 {v['failed_attempts']} 次" if v.get("failed_attempts") else "",
                         f"；账号锁定 {v['locked_minutes']} 分钟" if v.get("locked_minutes") else ""])
        return f"{said}，原因：{_word(v.get('reason', ''))}{extra}"
    if action == "scope_refused":
        role = f"（{_word(v['role'])}）" if v.get("role") else ""
        if v.get("record"):
            return f"链接中的{v['record']} {v.get('value', '')} 不在账号{role}的查看范围内，已拒绝"
        if v.get("region"):
            return f"链接中的地区 {v['region']} 不在账号{role}的查看范围内，已改为账号的地区"
        return f"账号{role}无权打开该页面，已拒绝"
    if action == "reveal":
        return f"查看完整的{_word(v.get('fields', []))}；事由：{v.get('why') or '未填写'}"
    if action == "reminder":
        return (f"发出{v.get('kind', '')} {v.get('actions', '')} 条（{v.get('cadres', '')} 名干部），"
                f"回应期限 {v.get('deadline', '')}；依据截至 {v.get('as_of', '')} 的情况")
    if action == "reminder_withdrawn":
        homes = f"；涉及户：{_word(v['households'])}" if v.get("households") else ""
        return f"撤回{v.get('kind', '')} {v.get('actions', '')} 条（{v.get('cadres', '')} 名干部）{homes}"
    if action == "policy_setting":
        return f"“{v.get('setting', '')}”由 {_word(v.get('old'))} 改为 {_word(v.get('new'))}"
    if action == "case_status":
        others = _listed({k: x for k, x in v.items() if k not in ("from", "to")})
        moved = f"新建案例，状态为“{v.get('to')}”" if not v.get("from") else f"状态由“{v['from']}”改为“{v.get('to')}”"
        return moved + (f"；{others}" if others else "")
    if action == "publicity_override":
        findings = "；".join(str(f) for f in v.get("findings", []) if _present(f))
        return (f"截至 {v.get('day', '')}，结对干部{v.get('cadre', '')}{findings or '有督查问题'}，"
                f"仍{'发布' if v.get('step') == '发布' else '审核通过'}该案例；理由：{v.get('why') or '未填写'}")
    if action == "case_publication":
        link = f"，链接 {v['link']}" if v.get("link") else ""
        note = f"（{v['note']}）" if v.get("note") else ""
        return f"登记案例发布：{v.get('published_on', '')} 在{v.get('channel', '')}发布{link}{note}"
    if action == "case_edit":
        return f"修改了{_word(v.get('fields', []))}"
    if action == "user_admin":
        others = _listed({k: x for k, x in v.items() if k != "op"})
        return USER_OPS.get(v.get("op"), "修改账号") + (f"；{others}" if others else "")
    if action == "export":
        return "导出" + (f"：{rest}" if rest else "")
    return rest


def describe(detail: str | None, action: str | None = None) -> str:
    """The JSON detail of an entry of `action` as a Chinese sentence for the audit page."""
    if not detail:
        return ""
    try:
        values = json.loads(detail)
    except ValueError:
        return detail
    if not isinstance(values, dict):
        return _word(values)
    return _sentence(action, values)


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
             "地区": r.region_name or r.region_code or "", "对象": r.target or "", "详情": describe(r.detail, r.action)}
            for r in rows
        ],
        columns=["时间", "用户", "操作", "地区", "对象", "详情"],
    )


def usernames(session: Session, scope: Scope) -> list[str]:
    """Everyone who appears in the log inside `scope`, for the user filter."""
    where = [AuditEntry.username.is_not(None)] + _filters(scope, None, (), None, None)
    return list(session.scalars(select(AuditEntry.username).where(*where).distinct().order_by(AuditEntry.username)))
