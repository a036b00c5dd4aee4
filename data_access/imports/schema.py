"""The exchange workbook's shape (IMPORT_FORMAT.md): sheets, their columns, which are required, and
the order in which sheets are checked and stored. The template, the reader, the validator and the
rejects workbook all read this one description."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sheet:
    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    example: tuple[object, ...]  # one example row for the template, in `columns` order
    note: str

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


REGIONS = "区划"
PERSONS = "对象"
CADRES = "干部"
PAIRINGS = "结对"
CONTACTS = "联系记录"
NEEDS = "诉求台账"

SHEETS: tuple[Sheet, ...] = (
    Sheet(
        REGIONS,
        ("区划代码", "名称"),
        (),
        ("621225", "西和县"),
        "可选。6 位为县区，9 位为乡镇，12 位为村（社区）。对象表用到而库中没有的村，可由对象表的乡镇、村名称自动建立。",
    ),
    Sheet(
        PERSONS,
        ("身份证号", "姓名", "类别", "户编号", "区划代码"),
        ("性别", "出生日期", "乡镇", "村", "联系电话", "监护人", "状态", "退出日期", "退出原因", "核查标记"),
        ("621225201003070027", "王小花", "孤儿", "XH0001", "621225100001", "女", "2010-03-07", "汉源镇", "城关村",
         "13812345678", "王建国", "在册", None, None, None),
        "每人一行。身份证号 18 位（末位可为 X）；类别：孤儿、事实无人抚养儿童、困难重度残疾人、特困人员；"
        "区划代码为 12 位村（社区）代码；状态：在册（默认）或退出，退出时须填退出日期和退出原因。",
    ),
    Sheet(
        CADRES,
        ("干部编号", "姓名", "工作单位", "职级"),
        ("单位区划代码", "领导干部", "联系电话"),
        ("GB0001", "李明", "西和县民政局", "科级", "621225", "是", "13987654321"),
        "每名干部一行。职级：县级、科级、一般干部；领导干部：是/否（县级即为是）；工作单位首次出现时自动建立。",
    ),
    Sheet(
        PAIRINGS,
        ("户编号", "干部编号", "结对日期"),
        ("解除日期", "解除原因"),
        ("XH0001", "GB0001", "2023-03-01", None, None),
        "每个结对一行。同一户与同一干部的两段结对时间不得重叠；解除日期须晚于结对日期。",
    ),
    Sheet(
        CONTACTS,
        ("户编号", "干部编号", "日期", "方式"),
        ("内容", "慰问金额", "记录编号", "录入时间"),
        ("XH0001", "GB0001", "2023-05-03", "实地走访", "入户了解学习生活情况", 200, "LX0001", "2023-05-03 18:30"),
        "每次联系一行。方式：实地走访、电话、短信、微信、视频、邀请到家、集体活动；日期须在结对期间内且不晚于今天；"
        "慰问金额以元为单位。填写记录编号后，再次导入会更新而不是重复。录入时间为在原系统中录入该记录的时间"
        "（如 2023-05-03 18:30），不早于日期、不晚于现在；不填则以导入时间为录入时间；再次导入时首次录入时间不变。",
    ),
    Sheet(
        NEEDS,
        ("诉求编号", "户编号", "提出日期", "类别", "内容"),
        ("责任层级", "办理期限", "状态", "办结日期", "办结情况"),
        ("SQ0001", "XH0001", "2023-05-03", "上学", "需要购买学习用品", "干部个人", "2023-06-02", "已办结",
         "2023-05-20", "干部自费购买书包文具"),
        "每条诉求一行。类别：生活、上学、就医、就业、住房、政策落实、矛盾纠纷、其他；责任层级：干部个人（默认）、单位、"
        "上级、领导小组办公室；办理期限默认为提出日期后 30 天；状态为已办结时须填办结日期和办结情况。",
    ),
)

BY_NAME = {sheet.name: sheet for sheet in SHEETS}

# Columns read as codes/dates: the template formats them as text so Excel keeps every digit.
TEXT_COLUMNS = frozenset({"身份证号", "区划代码", "单位区划代码", "户编号", "干部编号", "联系电话", "记录编号", "诉求编号"})

ERROR_COLUMN = "错误"

# Header words offices commonly type for a column, read as the format's own name.
ALIASES = {
    "身份证号码": "身份证号",
    "公民身份号码": "身份证号",
    "行政区划代码": "区划代码",
    "手机号码": "联系电话",
    "联系方式": "联系电话",
    "户号": "户编号",
}
