"""The programme's fixed vocabulary: the words stored in the database and shown to users.

Stored values are the Chinese terms offices use (they are also what the import workbook carries),
so a value read from the database can be shown as it is.
"""

from __future__ import annotations

GROUP_ORPHAN = "孤儿"
GROUP_UNSUPPORTED_CHILD = "事实无人抚养儿童"
GROUP_DISABLED = "困难重度残疾人"
GROUP_EXTREME_POOR = "特困人员"
GROUPS = (GROUP_ORPHAN, GROUP_UNSUPPORTED_CHILD, GROUP_DISABLED, GROUP_EXTREME_POOR)
CHILD_GROUPS = (GROUP_ORPHAN, GROUP_UNSUPPORTED_CHILD)

# The "three groups" of the programme; the two child groups form one.
THREE_GROUPS = {
    "孤儿、事实无人抚养儿童": CHILD_GROUPS,
    "困难重度残疾人": (GROUP_DISABLED,),
    "特困人员": (GROUP_EXTREME_POOR,),
}
# One colour per group, the same on every chart.
GROUP_COLOURS = {
    GROUP_ORPHAN: "#c0392b",
    GROUP_UNSUPPORTED_CHILD: "#e67e22",
    GROUP_DISABLED: "#2c7bb6",
    GROUP_EXTREME_POOR: "#5a8f29",
}

ROLE_PARENT = "爱心爸妈"
ROLE_FAMILY = "爱心家人"

RANK_COUNTY = "县级"
RANK_SECTION = "科级"
RANK_GENERAL = "一般干部"
RANKS = (RANK_COUNTY, RANK_SECTION, RANK_GENERAL)

METHOD_VISIT = "实地走访"
METHODS = (METHOD_VISIT, "电话", "短信", "微信", "视频", "邀请到家", "集体活动")

PERSON_ACTIVE = "在册"
PERSON_EXITED = "退出"
PERSON_STATUSES = (PERSON_ACTIVE, PERSON_EXITED)

FLAG_NOT_ELIGIBLE = "不符合保障条件"
FLAG_NOT_SUITABLE = "不适宜结对关爱"
FLAG_DUPLICATE = "身份重复"
VERIFICATION_FLAGS = (FLAG_NOT_ELIGIBLE, FLAG_NOT_SUITABLE, FLAG_DUPLICATE)

NEED_CATEGORIES = ("生活", "上学", "就医", "就业", "住房", "政策落实", "矛盾纠纷", "其他")
LEVEL_CADRE = "干部个人"
LEVEL_UNIT = "单位"
LEVEL_HIGHER = "上级"
LEVEL_OFFICE = "领导小组办公室"
ESCALATION_LEVELS = (LEVEL_CADRE, LEVEL_UNIT, LEVEL_HIGHER, LEVEL_OFFICE)
NEED_OPEN = "办理中"
NEED_CLOSED = "已办结"
NEED_STATUSES = (NEED_OPEN, NEED_CLOSED)

ACTION_REMIND = "提醒"
ACTION_SUPERVISE = "督办"
ACTION_KINDS = (ACTION_REMIND, ACTION_SUPERVISE)
# The accountability chain after an unanswered 督办, in order (a person records each step).
STEP_TALK = "约谈"
STEP_NAMED = "通报批评"
STEP_DISCIPLINE = "问责"
ACCOUNTABILITY_STEPS = (STEP_TALK, STEP_NAMED, STEP_DISCIPLINE)
# A cadre's status (干部 sheet 状态); anyone not 在岗 has left and their pairings await a successor.
CADRE_ACTIVE = "在岗"
CADRE_STATUSES = (CADRE_ACTIVE, "调离", "退休", "其他")
# 季考核 grades, best first (thresholds: policy assess_grade_*).
GRADES = ("好", "较好", "一般", "差")

SATISFACTION_LEVELS = ("满意", "基本满意", "不满意")

# Entitled policies per group (政策落实), from DOMAIN.md.
ENTITLED_POLICIES = {
    GROUP_ORPHAN: ("基本生活保障", "医疗保障", "教育资助"),
    GROUP_UNSUPPORTED_CHILD: ("基本生活保障", "医疗保障", "教育资助"),
    GROUP_DISABLED: ("最低生活保障", "困难残疾人生活补贴", "重度残疾人护理补贴", "基本养老保险"),
    GROUP_EXTREME_POOR: ("基本生活保障", "医疗救助", "住房救助", "权益维护"),
}

STATUS_ON_TRACK = "达标"
STATUS_BEHIND = "滞后"
STATUS_SILENT = "失联"

CASE_CANDIDATE = "候选"
CASE_SHORTLISTED = "入围"
CASE_CONSENTED = "已同意"
CASE_APPROVED = "已审核"
CASE_PUBLISHED = "已发布"
CASE_REJECTED = "未采用"
# Where a published case appears (案例展示's publication record).
PUBLICATION_CHANNELS = ("县融媒体", "微信公众号", "报纸", "电视", "其他")
CASE_STATUSES = (CASE_CANDIDATE, CASE_SHORTLISTED, CASE_CONSENTED, CASE_APPROVED, CASE_PUBLISHED, CASE_REJECTED)

USER_ROLES = ("admin", "leader", "inspector", "publicity", "clerk")
USER_ROLE_LABELS = {"admin": "系统管理员", "leader": "领导", "inspector": "督查组", "publicity": "宣传干部",
                    "clerk": "乡镇经办/单位联络员"}

# 政策落实: what an office reports for one entitled policy of one person; 未报送 (no row) is
# a fourth state shown apart from 未落实, never stored.
POLICY_DELIVERED = "已落实"
POLICY_UNDELIVERED = "未落实"
POLICY_NOT_APPLICABLE = "不适用"
POLICY_STATUSES = (POLICY_DELIVERED, POLICY_UNDELIVERED, POLICY_NOT_APPLICABLE)
POLICY_NOT_REPORTED = "未报送"
# Names offices type for a policy, read as the entitled policy's own name.
POLICY_ALIASES = {"低保": "最低生活保障"}

# 满意度回访: how the check was made, and the family's account of whether the cadre came.
RETURN_VISIT_METHODS = ("电话", "实地")
CADRE_CAME_YES = "是"
CADRE_CAME_NO = "否"
CADRE_CAME_UNSURE = "不清楚"
CADRE_CAME_ANSWERS = (CADRE_CAME_YES, CADRE_CAME_NO, CADRE_CAME_UNSURE)

# Where a contact's (or a 回访's) entry time comes from (contacts.entry_source).
ENTRY_FROM_SHEET = "来源系统"  # the workbook's 录入时间 (the source system's own entry time)
ENTRY_AT_IMPORT = "导入"  # no 录入时间: the moment the import stored the row
ENTRY_IN_APP = "平台录入"  # recorded in this application: the moment it was saved
ENTRY_BACKFILLED = "补填"  # stored before entry times were kept (migration 0006)
ENTRY_SOURCES = (ENTRY_FROM_SHEET, ENTRY_AT_IMPORT, ENTRY_IN_APP, ENTRY_BACKFILLED)
