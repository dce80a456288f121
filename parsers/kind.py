"""Whether a page that a 年报 column lists is an annual report at all.

Columns of annual reports also list notices about them (关于做好…年度报告编制工作的通知),
news of a training, 自查报告, and pages listing the reports of many departments. Such a page
is no report: it gets `is_report: false` and a problem saying what it is. A report without
tables of its own (图片版, 详见附件) is still a report: only what the page says it is decides.
"""
import re

from .cells import squeeze
from .metadata import agency_in_title

_SELF_INSPECTION = re.compile(r"自查|自评|检查(?:情况)?报告|督查")
_NOTICE = re.compile(r"(?:通知|通报|公告|函|批复|意见|方案|要点|指引|说明)(?:[（(][^）)]*[）)])?$")
_NEWS = re.compile(r"培训|会议|召开|举办|部署|推进会|座谈|动员|编制(?:发布)?工作|工作安排")
_EXPLANATION = re.compile(r"解读(?:[（(][^）)]*[）)])?$")
_LIST = re.compile(r"各部门|各单位|各乡镇|各街道|各县|各区|各市|部门(?:政府信息公开)?(?:工作)?年度报告(?:汇总|目录|链接)|"
                   r"汇总|目录|一览|清单|名单|链接|索引")
_REPORT_LINE = re.compile(r"(?:19|20)\d{2}\s*年.{0,30}?(?:年度报告|年报)")
_LIST_MIN = 3  # report titles of this many agencies on one page: a list of reports
_LIST_CHARS = 30_000  # where a list of reports is looked for: its page's head
# Section headings a report has and a notice or a list has not.
_SECTIONS = re.compile(r"总体情况|概述|主动公开政府信息(?:的)?情况|依申请公开政府信息(?:的)?情况|"
                       r"收到和处理政府信息公开申请|行政复议、行政诉讼|行政复议和行政诉讼|存在的主要问题|"
                       r"其他需要报告的事项")
_REPORT_SECTIONS_MIN = 3


def not_a_report(title: str | None, text: str, found_tables: set[str]) -> str | None:
    """What the page is, in words, when it is no annual report; None for a report."""
    if found_tables:
        return None  # the statutory tables are a report's
    name = squeeze(title or "")
    if _SELF_INSPECTION.search(name):
        return "not an annual report: a 自查报告 (self-inspection report)"
    sections = len(set(_SECTIONS.findall(text[:_LIST_CHARS])))
    if sections >= _REPORT_SECTIONS_MIN:
        return None
    if _NOTICE.search(name):
        return "not an annual report: a notice about the annual reports"
    if _NEWS.search(name):
        return "not an annual report: a news item about the annual reports"
    if _EXPLANATION.search(name):
        return "not an annual report: an explanation (解读) of one"
    if _LIST.search(name) or _lists_reports(text):
        return "not an annual report: a list of annual reports"
    return None


def _lists_reports(text: str) -> bool:
    """Whether the page lists the reports of several agencies, one short line each."""
    agencies = {agency_in_title(line) for line in text[:_LIST_CHARS].split("\n")
                if len(line) <= 80 and "。" not in line and _REPORT_LINE.search(line)}
    agencies.discard(None)
    return len(agencies) >= _LIST_MIN
