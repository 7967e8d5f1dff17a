"""One figure's definition, and the definitions of the standard indicators and of the
data-quality scorecard (registered in warmth.metrics.DEFINITIONS beside the campaign's own
figures).

The standard indicators follow the World Bank's ASPIRE definitions, adapted to an
administrative register: ASPIRE measures against a household survey (the poor, the
population); here the population is the register (the eligible) and the aid is what the
records say, so the indicators describe the campaign's own reach, not the city's poverty.
The scorecard follows the WHO data quality review used with DHIS2 (completeness,
timeliness, consistency over time, outliers), with the share of records that match nobody.
"""

from __future__ import annotations

from dataclasses import dataclass

CONSISTENCY_THRESHOLD = 0.33  # WHO DQR: a year differing from the one before by over ±33 %
OUTLIER_Z = 3.5  # Iglewicz–Hoaglin: modified z-score above 3.5


@dataclass(frozen=True)
class Definition:
    """One figure: its key (the column name in every frame), labels, help text and unit;
    for a ratio, its numerator and denominator (keys or plain words)."""

    key: str
    label_zh: str
    label_en: str
    help_zh: str
    help_en: str
    unit: str  # beneficiary | record | yuan | share | department
    numerator: str = ""
    denominator: str = ""


_ADAPTED_ZH = "（参照世界银行 ASPIRE 定义，按行政名册调整）"
_ADAPTED_EN = " (after the World Bank's ASPIRE definitions, adapted to an administrative register)"

STANDARD: dict[str, Definition] = {
    d.key: d
    for d in (
        Definition(
            "beneficiary_incidence",
            "受益对象分布",
            "Beneficiary incidence",
            "该组已帮对象 ÷ 全部已帮对象（不重复）。按类别时一人可属多类，各类之和可超过 100%。"
            + _ADAPTED_ZH,
            "Reached in the group ÷ all reached (distinct). By category one person can be in "
            "several categories, so the shares can add up to more than 100 %." + _ADAPTED_EN,
            "share",
            "reached",
            "reached (total)",
        ),
        Definition(
            "benefit_incidence",
            "受益金额分布",
            "Benefit incidence",
            "该组相符记录金额 ÷ 全部相符记录金额。按类别时一条记录可计入两类。" + _ADAPTED_ZH,
            "Amount of the group's matching records ÷ amount of all matching records. By "
            "category one record can count under two categories." + _ADAPTED_EN,
            "share",
            "matched_amount_yuan",
            "matched_amount_yuan (total)",
        ),
        Definition(
            "average_aid_yuan",
            "人均帮扶金额（元）",
            "Average aid per person reached (yuan)",
            "相符记录金额 ÷ 已帮对象，单位：元。" + _ADAPTED_ZH,
            "Amount of matching records ÷ reached, in yuan." + _ADAPTED_EN,
            "yuan",
            "matched_amount_yuan",
            "reached",
        ),
        Definition(
            "exclusion_error",
            "漏保率",
            "Exclusion error",
            "1 − 覆盖率 = 遗漏对象 ÷ 应帮对象；应帮对象为 0 时无定义。" + _ADAPTED_ZH,
            "1 − coverage = omitted ÷ eligible; undefined when eligible is 0." + _ADAPTED_EN,
            "share",
            "omitted",
            "eligible",
        ),
        Definition(
            "inclusion_error",
            "错保率",
            "Inclusion error",
            "错保对象 ÷（已帮对象 + 错保对象）：得到帮扶者中不符合条件的比例。" + _ADAPTED_ZH,
            "Leakage ÷ (reached + leakage): the share of those aided who were not eligible "
            "for that aid." + _ADAPTED_EN,
            "share",
            "leakage_beneficiaries",
            "reached + leakage_beneficiaries",
        ),
    )
}

QUALITY: dict[str, Definition] = {
    d.key: d
    for d in (
        Definition(
            "completeness",
            "报送完整性",
            "Completeness",
            "已报送的部门 ÷ 应报送的部门：应报送指该区有其服务类别的登记对象、且上次活动在该区有记录（上次无记录时不看此条）的部门；"
            "已报送指其中有计入该区的记录的部门。",
            "Departments that reported ÷ departments expected: expected are the departments "
            "with a programme for a category registered in the district that also reported "
            "there in the previous campaign (when it holds records); reported, those of them "
            "with records counted in the district.",
            "share",
            "departments_reported",
            "departments_expected",
        ),
        Definition(
            "late_share",
            "逾期报送比例",
            "Late records",
            "报送日期晚于报送截止日的记录 ÷ 全部记录（报送日期为导入批次的提交日，无批次时为发放日期）。",
            "Records submitted after the reporting deadline ÷ all records (submitted: the "
            "import batch's submission day, else the record's date).",
            "share",
            "late_records",
            "records",
        ),
        Definition(
            "consistency_change",
            "同比一致性",
            "Consistency over time",
            "本次已帮对象 ÷ 上次已帮对象 − 1；超出 ±33% 即标记（WHO 数据质量审查的阈值）。",
            "Reached this campaign ÷ reached the previous one − 1; flagged beyond ±33 % (the "
            "WHO data quality review's threshold).",
            "share",
            "reached",
            "reached_prev",
        ),
        Definition(
            "outlier_share",
            "金额异常比例",
            "Outlier amounts",
            "修正 z 值 > 3.5 的记录 ÷ 全部记录（Iglewicz–Hoaglin：0.6745 ×（金额 − 项目标准）÷ MAD，"
            "按项目在全市计算；MAD 为 0 时用 1.2533 × 平均绝对偏差；无标准金额时以中位数为中心）。",
            "Records with a modified z-score > 3.5 ÷ all records (Iglewicz–Hoaglin: 0.6745 × "
            "(amount − the programme's standard) ÷ MAD, per programme over the whole city; "
            "1.2533 × the mean absolute deviation when the MAD is 0; the median as the centre "
            "when the programme has no standard amount).",
            "share",
            "outlier_records",
            "records",
        ),
        Definition(
            "unmatched_share",
            "未匹配名册比例",
            "Matched nobody",
            "身份证号不在任何名册上的记录 ÷ 全部记录（计入发放区县）。",
            "Records whose ID number is on no register ÷ all records (under the delivering "
            "district).",
            "share",
            "unmatched_records",
            "records",
        ),
    )
}
