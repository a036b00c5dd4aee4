"""Record-keeping habits of the demo's cadres, so 真实性核查 has something true to find:

- most cadres write their own notes: a note long enough to be compared (RULES.md 雷同记录) names the
  family's surname and what was seen and done that day, so two cadres rarely write the same words;
- a few back-fill: they enter a half-year's contacts in one sitting a few days before the half ends
  (补录, 集中补录, 临检突击);
- a few copy one note onto every record (雷同记录);
- a few only phone: every planned visit becomes a call (只联不访).

Everything here is a fixed function of ids (no draw from the county's generator), so the rest of the
demo stays what it was.
"""

from __future__ import annotations

import datetime as dt

from data_access.notes import normalize

BACKFILL = "backfill"
COPY = "copy"
CALLS_ONLY = "calls_only"

# Shares of cadres per habit, in percent.
SHARES = ((BACKFILL, 3), (COPY, 2), (CALLS_ONLY, 2))

COPIED_NOTES = (
    "入户走访，了解家庭生活情况，宣传惠民政策，叮嘱注意安全",
    "电话联系，询问近期生活情况，家中一切正常，无困难诉求",
    "走访慰问，与家人拉家常，了解思想动态，帮助解决实际困难",
)

WHEN = ("上午", "中午", "下午", "傍晚")
SINCE = ("近来", "这几天", "入冬后", "开春后", "最近", "上周以来", "前几天", "这个月", "天冷后", "雨后",
         "农忙时", "假期里", "节前", "月初以来", "换季后")
STATE = ("身体还好", "睡眠不太好", "饭量正常", "咳嗽好些了", "腿脚有些疼", "心情不错", "有点感冒", "血压平稳",
         "精神头足", "能按时吃药", "胃口一般", "情绪稳定", "常去邻居家串门", "自己能做饭", "生活能自理",
         "眼睛看不太清", "腰疼有所缓解", "话比以前多了", "喜欢看电视", "每天出门散步")
DONE = ("叮嘱注意保暖", "提醒按时服药", "留下新的联系电话", "约好下次来看望", "帮着检查了电线", "把药盒按天分好",
        "讲了最新的救助政策", "帮忙打扫了院子", "记下了想买的东西", "说有事随时打电话", "看了看屋顶和门窗",
        "问了问用水用电", "嘱咐晚上锁好门", "带去了几样水果", "帮着把粮食搬进屋", "核对了补贴到账情况",
        "教会了用手机视频", "一起晒了被褥", "检查了灶台和烟道", "商量了看病的事")

HALF_ENDS = ((6, 30), (12, 31))


def _hash(key: int) -> int:
    return (key * 2654435761 >> 7) & 0xFFFFFFFF


def habit(cadre_id: int) -> str | None:
    """The cadre's habit (None: keeps honest, timely records)."""
    point = _hash(cadre_id * 7 + 3) % 100
    for name, share in SHARES:
        if point < share:
            return name
        point -= share
    return None


def personal(note: str, contact_id: int, surname: str, min_chars: int = 10) -> str:
    """A note worded as its cadre would for this family and day: a note long enough to be compared
    gets the time, the family and what was seen and done (a short stock phrase stays as it is)."""
    if len(normalize(note)) < min_chars:
        return note
    h = _hash(contact_id)
    parts = (WHEN[h % 4], SINCE[h // 4 % 15], STATE[h // 60 % 20], DONE[h // 1200 % 20])
    return f"{parts[0]}到{surname}家：{note}；{parts[1]}{parts[2]}，{parts[3]}"


def copied(cadre_id: int) -> str:
    return COPIED_NOTES[_hash(cadre_id) % len(COPIED_NOTES)]


def backfill_day(day: int, cadre_id: int, last: int) -> int:
    """The day a back-filler enters a contact dated `day` (ordinals): in one sitting 1-3 days before
    the end of its half-year, never before the contact nor after the demo's last day."""
    date = dt.date.fromordinal(day)
    month, last_day = HALF_ENDS[0] if date.month <= 6 else HALF_ENDS[1]
    end = dt.date(date.year, month, last_day).toordinal()
    return max(day, min(end - 1 - _hash(cadre_id) % 3, last))
