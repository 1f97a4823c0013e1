"""The methods paragraph in Simplified Chinese, written from the same facts as the English one.

Written as a Chinese methods section is written, not rendered clause by clause: the code and
its interval go in parentheses after the coefficient, counts take their measure words (个段落,
名编码员), and the terms are those of Chinese methodology texts (克里彭多夫 α 系数, 定类变量,
自助法重抽样, 百分位置信区间). Code names are data and are quoted as they are.
"""

from __future__ import annotations

from workbench.core.agreement.methods_facts import CodeAlpha
from workbench.core.agreement.methods_facts import MethodsFacts
from workbench.core.agreement.methods_facts import count


def _alpha(found: CodeAlpha, with_code: bool) -> str:
    """α of one code, with the code's name and its interval in parentheses."""
    inside = [f"“{found.code}”"] if with_code else []
    if found.ci is not None:
        inside.append(f"95% 置信区间为 [{found.ci[0]}, {found.ci[1]}]")
    return f"{found.alpha}（{'，'.join(inside)}）" if inside else str(found.alpha)


def _presence(facts: MethodsFacts) -> str:
    p = facts.presence
    if not p.codes:
        return "未评估任何编码项。"
    if p.only is not None:
        if p.only.alpha is None:
            return (
                f"编码项“{p.only.code}”出现与否的克里彭多夫 α 系数无法计算（未定义），"
                "因为该编码项的取值没有变异。"
            )
        return f"编码项“{p.only.code}”出现与否的克里彭多夫 α 系数为{_alpha(p.only, False)}。"
    if p.low is None or p.high is None:
        return "所有编码项出现与否的克里彭多夫 α 系数均无法计算（各编码项的出现与否均无变异）。"
    text = (
        f"各编码项出现与否的克里彭多夫 α 系数介于{_alpha(p.low, True)}"
        f"与{_alpha(p.high, True)}之间，中位数为{p.median}；"
        f"在{p.codes}个编码项中，{p.reliable}个达到 α ≥ {facts.reliable_alpha}，"
        f"{p.tentative}个介于{facts.tentative_alpha}与{facts.reliable_alpha}之间。"
    )
    if p.undefined:
        text += f"另有{p.undefined}个编码项因出现与否没有变异，α 系数无法计算。"
    return text


def _stance(facts: MethodsFacts) -> str:
    s = facts.stance
    if s is None:
        return ""
    span = f"（{s.scale[0]}至{s.scale[1]}）" if s.scale else ""
    spread = f"为{s.values[0]}" if len(s.values) == 1 else f"介于{s.values[0]}与{s.values[1]}之间"
    counted = f"（{s.codes}个编码项中有{s.defined}个可以计算）" if s.codes > 1 else ""
    return (
        f"立场{span}的一致性以定序克里彭多夫 α 系数衡量，"
        f"计算范围为至少两名编码员标注了同一编码项的段落，其值{spread}{counted}。"
    )


def chinese_paragraph(facts: MethodsFacts) -> str:
    """The methods paragraph in Simplified Chinese."""
    version = f"依据第{facts.codebook_version}版编码本" if facts.codebook_version else ""
    scope = "对该编码项，将其" if facts.codes == 1 else f"对全部{facts.codes}个编码项，均将其"
    text = (
        f"编码员间信度以{facts.passages}个段落为样本进行评估，"
        f"由{facts.coders}名编码员{version}独立编码，"
        f"其中{facts.pairable}个段落由至少两名编码员编码。"
        f"{scope}出现与否视为二分类定类变量；"
        "编码员未编码的段落按缺失值处理，而不视为该编码项未出现。"
    )
    text += _presence(facts)
    if facts.bootstrap is not None:
        text += (
            f"置信区间为以段落为单位进行{facts.bootstrap}次自助法重抽样所得的百分位区间"
            f"（随机数种子为{facts.seed}）。"
        )
    text += _stance(facts)
    if facts.disagreements_resolved is not None:
        text += f"信度评估完成后，{count(facts.disagreements_resolved)}处分歧经裁定后纳入共识层。"
    if facts.assisted is not None:
        assisted, codings, share = facts.assisted
        text += (
            f"在{codings}次编码中，有{assisted}次（{share}%）系采纳机器建议而得"
            "（各编码项的分类器仅在其交叉验证 F1 值达到项目设定的阈值后才启用，"
            "且从不在信度轮次或金标准检验中出现）；剔除这些编码后计算的一致性另行报告。"
        )
    return text
