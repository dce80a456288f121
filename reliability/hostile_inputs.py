"""Hostile inputs for the parsers: one definition for tests/reliability/test_hostile.py and `make reliability`.

A crawl that runs for years meets pages built, by malice or by a broken CMS, to make a
parser spin or swell. Each `Case` builds its input when it runs (some are 200 MB), feeds
it to the stage it attacks and says what the outcome must be; `contain` runs it under a
time limit and measures its peak memory. A case is contained when nothing was raised, the
outcome is what the case expects (a problem recorded, no figure invented) and its time and
memory stayed within the case's bounds.

Memory is the growth of the process's peak resident set (Linux's VmHWM, reset before each
case), so libxml2's trees count as much as Python's objects, and measuring costs no time
(tracemalloc made a 4 s parse take 19 s).

Every regular expression in parsers/ is also probed (`probe_regexes`): each is applied
the way parsers/ applies it (`REGEX_USES`) to long runs of the characters that make a
backtracking engine try every split — spaces, newlines, digits, commas, brackets — after
the prefixes that lead into its quantifiers, and its time must grow linearly with them.

Not here: XML entity expansion, which the Hanweb dataproxy parser refuses
(tests/crawler/test_spiders.py::test_hanweb_entity_expansion_is_refused), and the hostile
attachments (corrupt or encrypted PDF, zip bomb, 200 MB file) of tests/parsers/test_attachments.py.
Compressed bytes are never inflated by the parsers: a gzip or deflate body that reaches
them is read as the bytes it is (the crawler's HTTP layer is the one to bound inflating).
"""
from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib
import io
import math
import random
import re
import signal
import statistics
import struct
import threading
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from parsers import cells, convert, decode, html, metadata, narrative, tables
from parsers.record import MAX_DOCUMENT_BYTES, parse_document
from replica.generator import generate, render_html, render_text

MB = 2**20
STOP_AFTER = 5  # a case still running after this many times its time bound (a probe: seconds) is stopped
# A regex is probed on runs of PROBE_LONG characters; one taking over SLOW_SECONDS there
# (twice: a pause of the machine is not the regex) is timed on PROBE_SHORT too, and GROWTH
# times slower for 8 times the text is superlinear: linear grows 8 times, quadratic 64.
# Linear regexes take about a millisecond on the long run; the quadratic ones fixed in
# parsers/ took 0.2-10 s.
PROBE_LONG, PROBE_SHORT = 40_000, 5_000
SLOW_SECONDS = 0.05
GROWTH = 20


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[], Any]  # the input, built before the measurement starts
    run: Callable[[Any], Any]  # the stage attacked
    expect: Callable[[Any], str | None]  # what is wrong with the outcome, or None
    seconds: float = 2.0
    megabytes: float = 50.0


@dataclass(frozen=True)
class Outcome:
    name: str
    seconds: float
    megabytes: float  # growth of the peak resident set while the stage ran
    failure: str | None  # None: contained
    bound: float = 0.0  # the seconds it was allowed: its case's, scaled by the machine's slowdown
    peak: float = 0.0  # the process's peak resident set while the stage ran, MB

    @property
    def contained(self) -> bool:
        return self.failure is None


def contain(case: Case, *, judge_time: bool = True) -> Outcome:
    """Run one case and judge it: raised, wrong outcome, too slow, too large, or contained.

    Its time bound is relative: the case's seconds, times how much slower than on an idle
    machine a normal report parses right before it (`slowdown`; measured again after a case
    that ran past it), and judged on the CPU time the case took: other processes on a loaded
    machine neither stretch it nor fail it, while a spinning case still does and a blocked one
    is stopped after STOP_AFTER times its bound of wall-clock time. Without `judge_time` (the tests: no wall-clock
    assertions) the bound is only the point at which a runaway case is stopped."""
    data = case.build()
    slower = slowdown() if judge_time else 1.0
    bound = case.seconds * slower
    before = reset_peak()
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        with time_limit(bound * STOP_AFTER):
            result = case.run(data)
        failure = None
    except Exception as error:  # noqa: BLE001 — any exception escaping a stage is the finding
        failure = f"raised {type(error).__name__}: {str(error)[:200]}"
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    highest = peak_megabytes()
    peak = highest - before
    if failure is None:
        failure = case.expect(result)
    if failure is None and judge_time and cpu > bound:
        # The machine's load may have risen during a long case: the baseline after it counts too.
        bound = case.seconds * max(slower, slowdown())
    if failure is None and judge_time and cpu > bound:
        failure = (f"took {cpu:.2f} s of CPU ({elapsed:.2f} s), over its bound of {bound:.2f} s "
                   f"({case.seconds} s on an idle machine)")
    if failure is None and peak > case.megabytes:
        failure = f"grew by {peak:.0f} MB at its peak, over its bound of {case.megabytes} MB"
    return Outcome(case.name, elapsed, peak, failure, bound, highest)


# The median CPU time to parse a normal report (the generated report as text) on this
# machine, idle: a case's `seconds` are its bound at that speed.
REFERENCE_PARSE_SECONDS = 0.0015
BASELINE_REPEATS = 21


def slowdown() -> float:
    """How many times slower than REFERENCE_PARSE_SECONDS a normal report parses now (at least 1)."""
    data = _report_text().encode()
    times = []
    for _ in range(BASELINE_REPEATS):
        started = time.process_time()
        parse_document(data, "baseline")
        times.append(time.process_time() - started)
    return max(1.0, statistics.median(times) / REFERENCE_PARSE_SECONDS)


_STATUS = Path("/proc/self/status")
_LIBC = ctypes.CDLL("libc.so.6")


def reset_peak() -> float:
    """Set the peak resident set (VmHWM) to the resident set now and return it, once freed
    memory went back to the system: else a case could grow into what an earlier one freed,
    unseen."""
    gc.collect()
    _LIBC.malloc_trim(0)
    Path("/proc/self/clear_refs").write_text("5")
    return _status_megabytes("VmRSS")


def peak_megabytes() -> float:
    return _status_megabytes("VmHWM")


def _status_megabytes(field: str) -> float:
    found = re.search(rf"^{field}:\s+(\d+) kB", _STATUS.read_text(), re.M)
    return int(found.group(1)) / 1024


@contextlib.contextmanager
def time_limit(seconds: float):
    """Raise TimeoutError in the block after `seconds`: a regression to catastrophic
    backtracking must fail the case, not hang the run. Only the main thread gets signals;
    elsewhere the block runs unbounded and the time is judged afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise TimeoutError(f"still running after {seconds:.1f} s: stopped")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ---- expectations --------------------------------------------------------------------

FIGURE_TABLES = ("active", "applications", "review_litigation", "narrative")


def _figures(record: dict) -> list[str]:
    return [table for table in FIGURE_TABLES if record[table]]


def no_figures(parsed) -> str | None:
    """Nothing worth reading: no figure may come out of it, and a problem must say why."""
    record = parsed.record
    if _figures(record):
        return f"figures read from garbage: {', '.join(_figures(record))}"
    return None if record["problems"] else "no problem recorded"


def problem_saying(words: str, *, figures: bool = False) -> Callable[[Any], str | None]:
    def expect(parsed) -> str | None:
        if not any(words in problem for problem in parsed.record["problems"]):
            return f"no problem saying {words!r}: {parsed.record['problems'][:3]}"
        return None if figures else no_figures(parsed)
    return expect


def text_kept(words: str) -> Callable[[Any], str | None]:
    def expect(parsed) -> str | None:
        return None if words in parsed.text else f"{words!r} lost from the text"
    return expect


def figures_right(truth: dict, *, complete: bool) -> Callable[[Any], str | None]:
    """Every figure read equals the truth: damage may lose figures, with a problem, never change one."""
    def expect(parsed) -> str | None:
        record = parsed.record
        read = {(table, row, column): value for table in FIGURE_TABLES
                for row, values in record[table].items() for column, value in values.items()}
        wrong = [f"{'.'.join(key)} = {value}" for key, value in read.items()
                 if truth[key[0]].get(key[1], {}).get(key[2]) != value]
        if wrong:
            return f"figures that are not the report's: {wrong[:3]}"
        expected = sum(len(values) for table in FIGURE_TABLES for values in truth[table].values())
        if len(read) < expected and (complete or not record["problems"]):
            return f"{expected - len(read)} figures lost{'' if complete else ' without a problem'}"
        return None
    return expect


def returns(kind) -> Callable[[Any], str | None]:
    def expect(result) -> str | None:
        return None if isinstance(result, kind) else f"returned {type(result).__name__}"
    return expect


# ---- inputs --------------------------------------------------------------------------

def _document(data: bytes):
    return parse_document(data, "hostile")


def _truth(template: str = "2021") -> dict:
    """A generated report with every figure present and consistent."""
    return next(truth for truth in generate(2024, 60) if truth["template"] == template
                and not truth["blank_cells"] and truth["inconsistent"] is None)


TRUTH = _truth()


def _report_text(layout: str = "pipe") -> str:
    return render_text(TRUTH, layout=layout, seed=1)


def huge_page() -> bytes:
    """Just over 200 MB of ordinary markup."""
    row = b"<tr><td>\xe6\x9c\xac\xe5\xb9\xb4\xe6\x96\xb0\xe6\x94\xb6</td><td>1</td></tr>"
    return b"<html><body><table>" + row * (200 * MB // len(row) + 1) + b"</table></body></html>"


def gzip_bomb(inflated_mib: int = 1024) -> bytes:
    """A gzip member inflating to `inflated_mib` MiB of zeros, written by hand in a blink:
    one full-flushed deflate block of 16 MiB repeated, and the trailer's CRC of it all."""
    chunk = bytes(16 * MB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeats = inflated_mib // 16
    crc = 0
    for _ in range(repeats):
        crc = zlib.crc32(chunk, crc)
    header = b"\x1f\x8b\x08\x00" + struct.pack("<I", 0) + b"\x02\xff"
    return header + block * repeats + b"\x03\x00" + struct.pack("<II", crc, (repeats * len(chunk)) % 2**32)


def deflate_bomb() -> bytes:
    """A zlib (HTTP 'deflate') stream of 256 MiB of spaces: no NUL byte in its head."""
    return zlib.compress(b" " * (256 * MB), 9)


def pdf_with_stream(stream: bytes) -> bytes:
    """A one-page PDF whose content stream is `stream`, already Flate-compressed."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pdf_with_content(content: bytes) -> bytes:
    return pdf_with_stream(zlib.compress(content, 9))


def text_operators(count: int) -> bytes:
    """A page's content: `count` text-showing operators."""
    return b"BT /F1 8 Tf 10 800 Td\n" + b"(1) Tj\n" * count + b"ET\n"


def pdf_inflating(inflated_mib: int = 1024) -> bytes:
    """A PDF of about 1 MB whose content stream inflates to `inflated_mib` MiB of spaces: a zlib
    stream written as gzip_bomb writes its member, one full-flushed block repeated."""
    chunk = b" " * (16 * MB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeats = inflated_mib // 16
    checksum = 1
    for _ in range(repeats):
        checksum = zlib.adler32(chunk, checksum)
    return pdf_with_stream(b"\x78\xda" + block * repeats + b"\x03\x00" + struct.pack(">I", checksum))


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return out.getvalue()


def plain_xml(megabytes: float) -> bytes:
    """Paragraphs of figures that compress about 10 times, as real XML does: far under any
    bomb's ratio, so only the size can tell."""
    rng = random.Random(1)
    paragraph = "<w:p><w:r><w:t>本年新收 {} 件</w:t></w:r></w:p>"
    count = int(megabytes * MB / len(paragraph.format(10**8).encode()))
    return "".join(paragraph.format(rng.randrange(10**8)) for _ in range(count)).encode()


def large_docx(megabytes: float = 95) -> bytes:
    return zip_of({"[Content_Types].xml": b"<Types/>",
                   "word/document.xml": b"<w:document><w:t>" + plain_xml(megabytes) + b"</w:t></w:document>"})


def large_xlsx(megabytes: float = 95) -> bytes:
    return zip_of({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>",
                   "xl/worksheets/sheet1.xml": b"<worksheet><c><v>" + plain_xml(megabytes) + b"</v></c></worksheet>"})


def long_number_table() -> bytes:
    """A table whose figure has 5,000 digits: past Python's 4,300-digit limit of int()."""
    number = "1" * 5000
    return (f"三、收到和处理政府信息公开申请情况\n本年新收 | {number} |\n"
            f"一、本年新收政府信息公开申请数量 {number} {number}\n本年新收申请{number}件。\n").encode()


def nested(opening: str, closing: str = "", depth: int = 100_000, inside: str = "深层文本") -> bytes:
    return ("<html><body>" + opening * depth + inside + closing * depth + "</body></html>").encode()


def deep_then(tail: str, count: int = 100_000) -> bytes:
    """Too deep for lxml (so the tag-stripping fallback reads it), then `tail` repeated."""
    return ("<html><body>" + "<div>" * 100_000 + "深层文本" + tail * count).encode()


def spans(rows: int, cells_per_row: int = 1) -> bytes:
    """Rows of cells spanning 10^9 rows and columns, end tags left out as HTML allows."""
    cell = "<td rowspan=1000000000 colspan=1000000000>1"
    return ("<html><body><table>" + ("<tr>" + cell * cells_per_row) * rows + "</table></body></html>").encode()


def long_html_table(rows: int = 100_000) -> bytes:
    row = "<tr><td>（一）予以公开</td><td>1</td><td>2</td><td>3</td></tr>"
    return ("<html><body><h3>三、收到和处理政府信息公开申请情况</h3><table>"
            "<tr><td>本年新收</td><td>1</td></tr>" + row * rows + "</table></body></html>").encode()


def long_text_table(rows: int = 100_000) -> bytes:
    return ("三、收到和处理政府信息公开申请情况\n本年新收 | 1 |\n"
            + "（一）予以公开 | 1 | 2 | 3 |\n" * rows).encode()


def long_line() -> bytes:
    """10 MB on one line: prose without a full stop, figures, commas and pipes."""
    unit = "依申请公开信息数主动公开信息共1,234条行政复议5件收到申请3件 本年新收 "
    return (unit * (10 * MB // len(unit.encode()) + 1)).encode()


def pipes() -> bytes:
    return ("三、收到和处理政府信息公开申请情况\n本年新收" + "|" * 10**6 + "\n").encode()


def every_cell_blank() -> bytes:
    """The report with every figure of every table written as '/'."""
    lines = []
    for line in _report_text().split("\n"):
        if "|" in line:
            line = "|".join(" / " if cells.parse_number(cell) is not None else cell for cell in line.split("|"))
        lines.append(line)
    return "\n".join(lines).encode()


def mixed_encodings() -> bytes:
    """The first half in UTF-8, the rest in GB18030, as a CMS that pasted two sources makes."""
    text = _report_text()
    middle = len(text) // 2
    return text[:middle].encode("utf-8") + text[middle:].encode("gb18030")


def stray_bytes() -> bytes:
    """A GB18030 report with a 0xFF byte every 97 bytes: many characters broken."""
    data = bytearray(_report_text().encode("gb18030"))
    for position in range(len(data) - 1, 0, -97):
        data.insert(position, 0xFF)
    return bytes(data)


def nul_in_head() -> bytes:
    return b"\x00" + _report_text().encode()


def nul_in_body() -> bytes:
    """NUL bytes after the first 8 KB (where sniffing looks): a page with stray NULs."""
    text = "<!-- " + "x" * 9000 + " -->\n" + render_html(TRUTH, style="trs", seed=1)
    return text.replace("</td>", "\x00</td>").encode()


def glued_row(digits: int) -> str:
    return "三、收到和处理政府信息公开申请情况\n本年新收 " + "1" * digits + "\n"


def glued_review(digits: int) -> str:
    """表四 is looked for after 表三's last row."""
    return glued_row(0) + "四、结转下年度继续办理 | 1 |\n四、政府信息公开行政复议、行政诉讼情况\n" + "1" * digits + "\n"


def many_glued_rows(rows: int = 2000) -> str:
    """Rows each with 924 ways to split: the table's allowance must stop them, not each row's."""
    return "三、收到和处理政府信息公开申请情况\n本年新收 | 1 |\n" + "（一）予以公开 1111111111111\n" * rows


def ambiguous_rows() -> str:
    """Three glued rows with 51, 51 and 6 readings that pass their row totals: 15,606
    combinations for the column sums to try, beside 24 rows read without doubt."""
    full = " | 1 | 2 | 3 | 4 | 5 | 6 | 21 |"
    outcome_labels = ["2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”", "4.保护第三方合法权益",
                      "5.属于三类内部事务信息", "6.属于四类过程性信息", "7.属于行政执法案卷", "8.属于行政查询事项",
                      "1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确",
                      "1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物", "4.无正当理由大量反复申请",
                      "5.要求行政机关确认或重新出具已获取信息", "1.申请人无正当理由逾期不补正", "2.申请人逾期未按收费通知要求缴纳费用",
                      "3.其他"]
    lines = ["三、收到和处理政府信息公开申请情况",
             "申请人情况 | 自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 总计 |",
             "一、本年新收政府信息公开申请数量" + full, "二、上年结转政府信息公开申请数量" + full,
             "（一）予以公开 | 11111111111 | 236 |", "（二）部分公开 | 11111111111 | 236 |",
             "1.属于国家秘密 | 1111111 | 16 |"]
    lines += [label + full for label in outcome_labels]
    return "\n".join(lines + ["（七）总计" + full, "四、结转下年度继续办理" + full])


def _tables_problem(words: str) -> Callable[[Any], str | None]:
    def expect(found: tables.Tables) -> str | None:
        return None if any(words in problem for problem in found.problems) else \
            f"no problem saying {words!r}: {found.problems[:3]}"
    return expect


def _read_tables(text: str) -> tables.Tables:
    return tables.read_tables(text, 2023)


CASES = [
    # -- numbers past int()'s limit, documents over the parsers' budgets
    Case("a table figure of 5,000 digits", long_number_table, _document, problem_saying("left out")),
    Case("a PDF of 400,000 text operators on one page (5 KB)", lambda: pdf_with_content(text_operators(400_000)),
         _document, problem_saying("text operators"), seconds=2),
    Case("a 1 MB PDF whose stream inflates to 1 GiB", pdf_inflating, _document, problem_saying("inflate to over"),
         seconds=5),
    Case("a DOCX of 95 MB XML (compressed about 10 times)", large_docx, _document,
         problem_saying("XML parts"), seconds=2, megabytes=50),
    Case("an XLSX with a 95 MB sheet (compressed about 10 times)", large_xlsx, _document,
         problem_saying("XML parts"), seconds=2, megabytes=50),
    Case("200 MB HTML page", huge_page, _document,
         problem_saying(f"over the {MAX_DOCUMENT_BYTES // MB} MB limit"), seconds=1, megabytes=5),
    Case("gzip bomb (1 GiB inflated) given as bytes", gzip_bomb, _document,
         problem_saying("binary data"), megabytes=10),
    Case("deflate bomb (256 MiB of spaces) given as bytes", deflate_bomb, _document, no_figures),
    Case("HTML nested 100,000 <div> deep", lambda: nested("<div>", "</div>"), _document, text_kept("深层文本")),
    Case("HTML of 100,000 unclosed nested tables", lambda: nested("<table><tr><td>"), _document,
         text_kept("深层文本")),
    Case("too deep for lxml, then 100,000 unclosed comments", lambda: deep_then("<!--"), _document,
         text_kept("深层文本")),
    Case("too deep for lxml, then 100,000 unclosed <script>", lambda: deep_then("<script>x"), _document,
         text_kept("深层文本")),
    Case("too deep for lxml, then 100,000 '<p' never closed", lambda: deep_then("<p"), _document,
         text_kept("深层文本")),
    Case("too deep for lxml, then 100,000 '<' without '>'", lambda: deep_then("<"), _document,
         text_kept("深层文本")),
    Case("too deep for lxml, then 100,000 unclosed <title>", lambda: deep_then("<title>"), _document,
         text_kept("深层文本")),
    Case("1,000 rows of 3 cells of rowspan=10^9 colspan=10^9", lambda: spans(1000, 3), _document, no_figures),
    Case("99,000 rows of rowspan=10^9 colspan=10^9 (the grid's bound)", lambda: spans(99_000), _document,
         no_figures, seconds=5, megabytes=250),
    Case("HTML table of 100,000 rows (10^6 tags: read without a tree)", long_html_table, _document,
         problem_saying("left out", figures=True), seconds=10, megabytes=150),
    Case("HTML table of 19,000 rows (just under MAX_TREE_TAGS)", lambda: long_html_table(19_000), _document,
         problem_saying("left out", figures=True), seconds=5, megabytes=100),
    Case("text table of 100,000 rows", long_text_table, _document, problem_saying("left out", figures=True),
         seconds=5, megabytes=100),
    # The largest inputs read: 21-25 s each at the reference speed on this machine (three runs).
    Case("62 MB text table (the largest document read)", lambda: long_text_table(1_800_000), _document,
         problem_saying("only the first 5000 read", figures=True), seconds=30, megabytes=800),
    Case("62 MB HTML table (the largest page read)", lambda: long_html_table(950_000), _document,
         problem_saying("only the first 5000 read", figures=True), seconds=30, megabytes=1000),
    Case("10 MB line without a newline", long_line, _document, no_figures, seconds=10, megabytes=200),
    Case("a table row of 10^6 '|'", pipes, _document, problem_saying("blank cell"), seconds=5, megabytes=150),
    Case("a report whose every cell is '/'", every_cell_blank, _document, problem_saying("'/' is not a number")),
    Case("UTF-8 and GB18030 in one file", mixed_encodings, _document, figures_right(TRUTH, complete=False)),
    Case("GB18030 with a stray 0xFF every 97 bytes", stray_bytes, _document, figures_right(TRUTH, complete=False)),
    Case("a NUL byte first", nul_in_head, _document, problem_saying("binary data")),
    Case("NUL bytes in every table cell after the first 8 KB", nul_in_body, _document,
         figures_right(TRUTH, complete=True)),
    # -- regular expressions, through the functions that apply them
    Case("a cell of a quote, 10^6 spaces and a letter", lambda: '"' + " " * 10**6 + "x",
         cells.parse_number, lambda value: None if value is None else f"read {value}"),
    Case("a number, 10^6 spaces and a letter", lambda: "1" + " " * 10**6 + "x",
         cells.parse_number, lambda value: None if value is None else f"read {value}"),
    Case("a Markdown rule with 10^6 spaces", lambda: "|--" + " " * 10**6 + "x", cells.split_line,
         returns(tuple)),
    Case("prose of 10^6 digits", lambda: "1" * 10**6, narrative.read_narrative,
         lambda found: f"read {found.figures}" if found.figures else None),
    Case("prose of 10^6 '1,'", lambda: "1," * 10**6, narrative.read_narrative,
         lambda found: f"read {found.figures}" if found.figures else None),
    Case("a clause of 10^6 characters without a comma", lambda: "收到申请" + "啊" * 10**6,
         narrative.read_narrative, returns(narrative.Narrative)),
    Case("10^5 prose lines without a full stop", lambda: ("主动公开政府信息情况说明" * 3 + "\n") * 10**5,
         narrative.read_narrative, returns(narrative.Narrative)),
    Case("'主动公开信息' 10^5 times without a figure", lambda: "主动公开信息" * 10**5,
         narrative.read_narrative, returns(narrative.Narrative)),
    Case("pinyin stripper: '中' and 10^6 '('", lambda: "中" + "(" * 10**6, convert.clean, returns(convert.Converted)),
    Case("pinyin stripper: 10^5 annotations", lambda: "中(zhōng)" * 10**5 + "x", convert.clean,
         lambda converted: None if "zhōng" not in converted.text else "annotations kept"),
    Case("pinyin stripper: '中' and 10^5 '(zh'", lambda: "中" + "(zh" * 10**5, convert.clean,
         returns(convert.Converted)),
    Case("a link of 10^6 spaces after 打印", lambda: "<html><body><p>正文</p><a>打印" + " " * 10**6 + "x</a></body></html>",
         html.read_page, returns(html.Page)),
    Case("a <pre> of 10^5 blank lines", lambda: "<html><body><pre>" + "\n" * 10**5 + "x</pre></body></html>",
         html.read_page, returns(html.Page)),
    Case("a metadata label and 10^6 spaces", lambda: "<html><body><p>发布日期" + " " * 10**6 + "x</p></body></html>",
         html.read_page, returns(html.Page)),
    Case("a page number line with 10^6 spaces", lambda: glued_row(0) + "第1页" + " " * 10**6 + "共x 5\n",
         _read_tables, returns(tables.Tables)),
    Case("表三 row of 40 glued digits (C(39,6) readings)", lambda: glued_row(40), _read_tables,
         _tables_problem("too many readings")),
    # 表四's totals fix each group's last digits: the search proves there is no reading at all.
    Case("表四 of 60 glued digits (C(59,14) readings)", lambda: glued_review(60), _read_tables,
         _tables_problem("table left out")),
    Case("2,000 glued rows of 924 readings each", many_glued_rows, _read_tables,
         _tables_problem("too many readings")),
    Case("glued rows with 15,606 combinations to check", ambiguous_rows, _read_tables,
         _tables_problem("more than one reading"), seconds=1),
    Case("a title with 10^5 spaces before a year", lambda: "年度报告" + " " * 10**5 + "2020x",
         lambda title: metadata.read_metadata("", title), returns(metadata.Metadata)),
    Case("10^5 '<meta' and undecodable bytes", lambda: b"<meta" * 10**5 + b"\xff\xfe\x81", decode.decode,
         returns(decode.Decoded)),
    Case("a Content-Type of 10^6 spaces", lambda: "text/html; charset=" + " " * 10**6 + "x",
         decode.charset_from_content_type, returns(str)),
]


# ---- every regular expression --------------------------------------------------------

PARSER_MODULES = ("cells", "convert", "decode", "filetype", "html", "kind", "metadata", "narrative", "office",
                  "pdf", "tables", "templates")
# The crawler's regexes read pages a portal sends: as hostile as any document.
CRAWLER_MODULES = ("crawler.families.trs", "crawler.families.hanweb", "crawler.families.generic",
                   "crawler.spiders.base", "crawler.attachments", "crawler.blocking")


def built_regexes() -> dict[str, re.Pattern]:
    """Regexes built inside functions, as those functions build them for the names they are given."""
    from crawler.families import hanweb, trs

    return {**{f"trs.assignment({name!r})": trs.assignment(name) for name in ("countPage", "currentPage")},
            **{f"hanweb.setting({name!r})": hanweb.setting(name)
               for name in ("totalRecord", "perPage", "groupSize", "proxyUrl")}}
# How parsers/ applies a regex, where not by search/sub/findall on text of any length:
# (method, what the text is first cut to). Unlisted patterns are probed with search().
REGEX_USES = {
    "cells._NUMBER": ("match", str.strip),
    "cells._MARKDOWN_RULE": ("match", None),
    "cells.DIGIT_RUN": ("match", None),
    "decode._META_CHARSET": ("search", lambda text: text[:4096]),  # search(data, 0, 4096)
    "filetype._MARKUP": ("search", lambda text: text[:8192]),  # the first 8 KB
    "html._MARKUP": ("search", lambda text: text[:20000]),  # search(text, 0, 20000)
    "html._CHROME_NAME": ("fullmatch", lambda text: "".join(text.split())),  # one class token
    "html._CHROME_LINK": ("fullmatch", None),
    "html._BREADCRUMB": ("match", None),
    "html._LABEL_START": ("match", None),
    "html._LABEL_ONLY": ("fullmatch", None),
    "html._TITLE_SPLIT": ("split", lambda text: " ".join(text.split())),  # titles are collapsed first
    "html._LABEL_COLON": ("finditer", lambda text: " ".join(text.split())),  # on collapsed lines
    "metadata._PERIOD": ("search", lambda text: text[:5000]),  # the first 5,000 characters
    "metadata._YEAR_FIRST": ("match", None),
    "metadata._REPORT_WORDS": ("match", None),
    "html._SCRIPT_START": ("match", None),
    "narrative._HEADING": ("match", None),
    "office._CODE_PAGE": ("search", lambda text: text[:4096]),  # search(data, 0, 4096)
    "pdf._PAGE_NUMBER_MARKS": ("fullmatch", lambda text: text[:40]),  # running lines are short
    "tables._PAGE_NUMBER": ("match", None),
    "tables._EMPTY_CELL_LINE": ("match", None),
    "tables._WRITTEN_NUMBER": ("match", None),
}
_RUNS = (" ", "\n", " \n", "\t", "\u3000", "1", "1,", ",", "(", "<", "<p", "<!--", "<script>", "<title>",
         "-", "|", "啊", "20", "createPageHTML(", "<datastore>", "var param_1={", "a:1,", "（年报", "年度报告 (")
_PREFIXES = ("", '"', "第1页", "打印", "发布日期", "|--")


def parser_regexes() -> dict[str, re.Pattern]:
    """Every compiled pattern at the top level of parsers/ and of the crawler's page readers (inside
    lists and dicts too), and those built inside functions, by name."""
    found: dict[int, tuple[str, re.Pattern]] = {}

    def walk(name, value, depth=0):
        if isinstance(value, re.Pattern):
            found.setdefault(id(value), (name, value))
        elif isinstance(value, (list, tuple)) and depth < 3:
            for index, item in enumerate(value):
                walk(f"{name}[{index}]", item, depth + 1)
        elif isinstance(value, dict) and depth < 3:
            for key, item in value.items():
                walk(f"{name}[{key}]", item, depth + 1)

    for module_name in PARSER_MODULES + CRAWLER_MODULES:
        module = importlib.import_module(module_name if "." in module_name else f"parsers.{module_name}")
        for name, value in vars(module).items():
            walk(f"{module_name}.{name}", value)
    return {**dict(found.values()), **built_regexes()}


def probe_regex(name: str, pattern: re.Pattern) -> str | None:
    """None when the regex is linear on every probe, else the first probe it is not."""
    method, cut = REGEX_USES.get(name, ("search", None))
    for prefix in _PREFIXES:
        for run in _RUNS:
            def timed(length, prefix=prefix, run=run):  # bound now: called within this iteration only
                return _time_regex(pattern, method, cut, prefix, run, length)

            long = timed(PROBE_LONG)
            if SLOW_SECONDS < long < math.inf:  # a loaded machine stalls a run now and then: the best of three
                long = min(long, timed(PROBE_LONG), timed(PROBE_LONG))
            if long == math.inf or (long > SLOW_SECONDS and long > GROWTH * timed(PROBE_SHORT)):
                took = f"{long:.2f} s" if long < math.inf else f"over {STOP_AFTER} s"
                return f"{name} took {took} on {prefix!r} + {run!r} × {PROBE_LONG // len(run)}, superlinear"
    return None


def _time_regex(pattern: re.Pattern, method: str, cut, prefix: str, run: str, length: int) -> float:
    """Seconds to apply the regex as parsers/ does to the run repeated to `length`, after
    `prefix`, ended by a character nothing expects; infinite when stopped after STOP_AFTER."""
    text = prefix + run * (length // len(run)) + "\x01x"
    text = cut(text) if cut else text
    probe = text.encode() if isinstance(pattern.pattern, bytes) else text
    started = time.perf_counter()
    try:
        with time_limit(STOP_AFTER):
            result = getattr(pattern, method)(probe)
            if method == "finditer":
                list(result)
    except TimeoutError:
        return math.inf
    return time.perf_counter() - started


def probe_regexes() -> dict[str, str | None]:
    """name -> None when linear on every probe, else the first probe it is not."""
    return {name: probe_regex(name, pattern) for name, pattern in parser_regexes().items()}
