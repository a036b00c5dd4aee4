"""Realistic Chinese personal names for the demo: surnames weighted as in rural Gansu, given names
by sex and by the generation a person was born in (an 80-year-old is not called 梓萱)."""

from __future__ import annotations

import random

# Common surnames of southeastern Gansu (陇南, 天水), roughly by frequency.
_SURNAME_WEIGHTS = (
    ("王", 90), ("李", 85), ("张", 70), ("赵", 45), ("刘", 45), ("杨", 45), ("何", 30), ("陈", 30),
    ("包", 18), ("苏", 18), ("汪", 18), ("马", 25), ("朱", 15), ("姜", 14), ("蒲", 12), ("罗", 14),
    ("郭", 14), ("魏", 12), ("任", 12), ("吕", 10), ("董", 10), ("周", 10), ("孙", 10), ("吴", 10),
    ("徐", 9), ("高", 10), ("梁", 8), ("宋", 8), ("谢", 7), ("韩", 8), ("唐", 7), ("冯", 7), ("曹", 7),
    ("彭", 6), ("田", 8), ("袁", 6), ("蒋", 6), ("杜", 7), ("程", 6), ("丁", 6), ("薛", 5), ("雷", 6),
    ("牛", 6), ("石", 6), ("贾", 6), ("闫", 6), ("安", 5), ("景", 4), ("焦", 5), ("文", 5), ("曾", 4),
    ("尚", 4), ("付", 5), ("白", 5), ("席", 4), ("侯", 4), ("邓", 4), ("权", 3), ("令狐", 1), ("欧阳", 1),
)
SURNAMES: tuple[str, ...] = tuple(name for name, weight in _SURNAME_WEIGHTS for _ in range(weight))

# Given names by (generation, sex). Generations: born before 1960, 1960–1989, 1990 and later.
_GIVEN = {
    ("old", "男"): "建国 德明 满仓 有福 拴柱 保平 宝元 文华 玉林 正平 天喜 永福 金锁 来福 长生 福元 "
    "占魁 明德 仲林 守义 进财 忠孝 存良 发财 彦明 兴旺 根生 双全 得禄 世杰 宗义",
    ("old", "女"): "秀英 桂兰 玉兰 秀兰 桂英 兰英 淑珍 凤英 翠花 玉梅 菊花 金花 改娣 引弟 巧玲 月英 "
    "春花 素珍 玉珍 菊兰 凤兰 秀珍 彩凤 爱莲 桂芳 粉莲 转娣 银花",
    ("mid", "男"): "海军 建军 永强 红军 小平 卫东 伟 军 斌 涛 志刚 国庆 建平 文斌 永刚 红兵 建华 "
    "晓东 小军 振华 亚军 立新 勇 鹏 峰 强 彦军 继红 新民 宏伟 志强 海平",
    ("mid", "女"): "丽 红霞 燕 娟 芳 艳 敏 丽娟 小红 晓燕 春燕 彩霞 海霞 玉霞 亚娟 丽萍 红梅 秀琴 "
    "小芳 霞 琴 梅 晓琴 艳红 小梅 丽霞 雪梅 翠萍 玉芳 文娟",
    ("young", "男"): "子轩 浩然 宇航 俊杰 博文 一鸣 天佑 皓轩 家豪 子豪 宇轩 明轩 梓豪 浩宇 晨阳 "
    "思源 子墨 嘉乐 睿 昊天 文博 煜城 鑫 宇 泽宇 铭轩 奕辰 安康 乐乐 瑞",
    ("young", "女"): "梓萱 欣怡 雨涵 诗涵 佳怡 若曦 子涵 思彤 梦瑶 可欣 一诺 语嫣 雨萱 梓涵 欣悦 "
    "紫怡 心怡 雨欣 安琪 嘉怡 悦 静怡 思琪 婉清 佳琪 馨月 晓雪 芮 雅琪 梦琪",
}
GIVEN_NAMES: dict[tuple[str, str], tuple[str, ...]] = {
    key: tuple(words.split()) for key, words in _GIVEN.items()
}

GUARDIAN_PATERNAL = ("祖父", "伯父", "叔叔", "姑姑")  # share the child's surname
GUARDIAN_OTHER = ("祖母", "外祖母", "外祖父", "舅舅", "姨妈")


def generation(birth_year: int) -> str:
    if birth_year < 1960:
        return "old"
    return "mid" if birth_year < 1990 else "young"


def surname(rng: random.Random) -> str:
    return rng.choice(SURNAMES)


def given_name(rng: random.Random, sex: str, birth_year: int) -> str:
    return rng.choice(GIVEN_NAMES[(generation(birth_year), sex)])


def full_name(rng: random.Random, sex: str, birth_year: int, family_name: str | None = None) -> str:
    return (family_name or surname(rng)) + given_name(rng, sex, birth_year)


def guardian_for(rng: random.Random, child_surname: str) -> str:
    """A relative who looks after a child, written as offices record it: 张桂兰（祖母）."""
    relation = rng.choice(GUARDIAN_PATERNAL + GUARDIAN_OTHER)
    family = child_surname if relation in GUARDIAN_PATERNAL else surname(rng)
    sex = "女" if relation in ("祖母", "外祖母", "姑姑", "姨妈") else "男"
    birth_year = 1950 if relation.startswith(("祖", "外祖")) else 1975
    return f"{family}{given_name(rng, sex, birth_year)}（{relation}）"


def guardian_name(guardian: str) -> str:
    """The name part of a guardian entry: 张桂兰（祖母） → 张桂兰."""
    return guardian.split("（", 1)[0]
