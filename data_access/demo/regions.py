"""Real Gansu administrative divisions for the demo: the province, its 14 prefecture-level
divisions and 86 county-level divisions (plus Jiayuguan's urban area, which has none), with their
official codes; the real townships of Xihe county; plausible township and village names elsewhere.

Township codes follow the national scheme (镇 from 100, 乡 from 200, nine digits); village codes
add three digits (社区 from 001, 村 from 200).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

PROVINCE = ("620000", "甘肃省")

CITIES = (
    ("620100", "兰州市"), ("620200", "嘉峪关市"), ("620300", "金昌市"), ("620400", "白银市"),
    ("620500", "天水市"), ("620600", "武威市"), ("620700", "张掖市"), ("620800", "平凉市"),
    ("620900", "酒泉市"), ("621000", "庆阳市"), ("621100", "定西市"), ("621200", "陇南市"),
    ("622900", "临夏回族自治州"), ("623000", "甘南藏族自治州"),
)

COUNTIES = (
    ("620102", "城关区"), ("620103", "七里河区"), ("620104", "西固区"), ("620105", "安宁区"),
    ("620111", "红古区"), ("620121", "永登县"), ("620122", "皋兰县"), ("620123", "榆中县"),
    # Jiayuguan has no county-level division; its towns sit under the city's urban area.
    ("620201", "嘉峪关市辖区"),
    ("620302", "金川区"), ("620321", "永昌县"),
    ("620402", "白银区"), ("620403", "平川区"), ("620421", "靖远县"), ("620422", "会宁县"), ("620423", "景泰县"),
    ("620502", "秦州区"), ("620503", "麦积区"), ("620521", "清水县"), ("620522", "秦安县"), ("620523", "甘谷县"),
    ("620524", "武山县"), ("620525", "张家川回族自治县"),
    ("620602", "凉州区"), ("620621", "民勤县"), ("620622", "古浪县"), ("620623", "天祝藏族自治县"),
    ("620702", "甘州区"), ("620721", "肃南裕固族自治县"), ("620722", "民乐县"), ("620723", "临泽县"),
    ("620724", "高台县"), ("620725", "山丹县"),
    ("620802", "崆峒区"), ("620821", "泾川县"), ("620822", "灵台县"), ("620823", "崇信县"), ("620825", "庄浪县"),
    ("620826", "静宁县"), ("620881", "华亭市"),
    ("620902", "肃州区"), ("620921", "金塔县"), ("620922", "瓜州县"), ("620923", "肃北蒙古族自治县"),
    ("620924", "阿克塞哈萨克族自治县"), ("620981", "玉门市"), ("620982", "敦煌市"),
    ("621002", "西峰区"), ("621021", "庆城县"), ("621022", "环县"), ("621023", "华池县"), ("621024", "合水县"),
    ("621025", "正宁县"), ("621026", "宁县"), ("621027", "镇原县"),
    ("621102", "安定区"), ("621121", "通渭县"), ("621122", "陇西县"), ("621123", "渭源县"), ("621124", "临洮县"),
    ("621125", "漳县"), ("621126", "岷县"),
    ("621202", "武都区"), ("621221", "成县"), ("621222", "文县"), ("621223", "宕昌县"), ("621224", "康县"),
    ("621225", "西和县"), ("621226", "礼县"), ("621227", "徽县"), ("621228", "两当县"),
    ("622901", "临夏市"), ("622921", "临夏县"), ("622922", "康乐县"), ("622923", "永靖县"), ("622924", "广河县"),
    ("622925", "和政县"), ("622926", "东乡族自治县"), ("622927", "积石山保安族东乡族撒拉族自治县"),
    ("623001", "合作市"), ("623021", "临潭县"), ("623022", "卓尼县"), ("623023", "舟曲县"), ("623024", "迭部县"),
    ("623025", "玛曲县"), ("623026", "碌曲县"), ("623027", "夏河县"),
)

XIHE_CODE = "621225"
XIHE_CITY = "621200"
# Xihe county's 16 towns and 4 townships.
XIHE_TOWNSHIPS = (
    "汉源镇", "长道镇", "何坝镇", "姜席镇", "石峡镇", "洛峪镇", "西高山镇", "十里镇", "卢河镇", "大桥镇",
    "苏合镇", "石堡镇", "兴隆镇", "西峪镇", "稍峪镇", "马元镇", "蒿林乡", "晒经乡", "太石河乡", "六巷乡",
)

def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_TOWNSHIP_STEMS = _words(
    "新集 马营 石门 柳林 红川 南河 北山 盐官 永兴 石川 大堡 古城 龙王 金坪 高桥 东岔 白沙 大河 平安 兴丰 "
    "太平 中寨 草滩 三岔 峡门 河口 五里 土桥 沙湾 新城 王集 秦亭 八里 清水 关子 水磨 青龙 黑池 西川 碧玉 "
    "洛门 李店 温泉 红堡 安远 雷坝 店子 新寺 谢家 杨河 东关 西坝 上磨 长川 红土 罗家 韩家 三合 新堡 大营 "
    "柳树 武家 周家 梁家 石岭 双岔 南坪 鸳鸯 莲花 金川 杨店 白马 马坞 申都 中堡 麻沿 槐芽 苍耳 何家 孟寨 "
    "文峰 首阳 锦屏 会川 峡城 北寨 城川 庙川 大滩 旧寨 平襄 义岗 陇城 莲麓 新营 石坪 康家 龙川 车道 草川"
)
_VILLAGE_STEMS = _words(
    "柳林 石门 红崖 杏树 槐树 沙坝 峡口 龙池 金山 水泉 石桥 草坪 松树 马坪 白杨 庙坪 关庄 油坊 桃园 梨园 "
    "红星 团结 胜利 新民 建设 光明 和平 东风 红旗 前进 河湾 山根 坪头 沟门 岔口 堡子 磨坊 窑坪 寺坪 泉湾"
)
_PLACE_TAILS = ("庄", "湾", "坪", "沟", "山", "河", "岭", "寨", "坝", "台", "川", "堡", "营", "岔")
_POSITIONS = ("上", "下", "东", "西", "南", "北", "大", "小", "新", "前", "后", "中")
_VILLAGE_SURNAMES = _words("王 李 张 赵 刘 杨 何 陈 包 苏 汪 马 朱 姜 蒲 罗 郭 魏 任 董 周 孙 吴 高 韩 田 雷 牛 石 贾")


@dataclass(frozen=True)
class Township:
    code: str
    name: str
    villages: tuple[tuple[str, str], ...]  # (12-digit code, name)


def city_of(county_code: str) -> str:
    return county_code[:4] + "00"


def _township_codes(county_code: str, names: list[str]) -> list[str]:
    towns = iter(range(100, 200))
    townships = iter(range(200, 300))
    return [f"{county_code}{next(townships if name.endswith('乡') else towns):03d}" for name in names]


def _village_name(rng: random.Random) -> str:
    pattern = rng.random()
    if pattern < 0.4:
        return f"{rng.choice(_VILLAGE_SURNAMES)}家{rng.choice(_PLACE_TAILS)}村"
    if pattern < 0.7:
        return f"{rng.choice(_POSITIONS)}{rng.choice(_PLACE_TAILS)}村"
    return f"{rng.choice(_VILLAGE_STEMS)}村"


def _villages(rng: random.Random, township_code: str, township_name: str, count: int) -> tuple[tuple[str, str], ...]:
    villages: list[tuple[str, str]] = []
    if township_name.endswith("镇"):  # the town seat is a residents' community
        villages.append((f"{township_code}001", f"{township_name[:-1]}社区"))
    used = {name for _, name in villages}
    number = 200
    while len(villages) < count:
        name = _village_name(rng)
        if name in used:
            continue
        used.add(name)
        villages.append((f"{township_code}{number:03d}", name))
        number += 1
    return tuple(villages)


def townships_for(county_code: str, rng: random.Random) -> list[Township]:
    """The townships and villages of one county: Xihe's real townships, elsewhere plausible ones."""
    if county_code == XIHE_CODE:
        names = list(XIHE_TOWNSHIPS)
        village_counts = [rng.randint(10, 20) for _ in names]
    else:
        stems = rng.sample(_TOWNSHIP_STEMS, rng.randint(9, 20))
        names = ["城关镇"] + [stem + ("乡" if rng.random() < 0.3 else "镇") for stem in stems]
        village_counts = [rng.randint(8, 16) for _ in names]
    codes = _township_codes(county_code, names)
    return [
        Township(code, name, _villages(rng, code, name, count))
        for code, name, count in zip(codes, names, village_counts, strict=True)
    ]
