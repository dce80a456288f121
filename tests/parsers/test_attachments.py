"""Reports published as attachments: every kind the replica renders lands equal to its truth,
the type is sniffed from the bytes, and hostile files end in a problem within bounds."""
import io
import resource
import struct
import tracemalloc
import zipfile
import zlib

import pytest

from corpus.truth import differences
from parsers import filetype
from parsers.filetype import IMAGE_ONLY
from parsers.office import extract_rtf
from parsers.record import MAX_DOCUMENT_BYTES, parse_document, parse_with_attachments
from replica import attachments as replica
from replica.generator import generate, render_html

TRUTHS = generate(2024, 12)
BY_TEMPLATE = {template: next(i for i, t in enumerate(TRUTHS) if t["template"] == template)
               for template in ("2021", "2019", "pre2019")}
TEMPLATES = list(BY_TEMPLATE)


def expected_problems(truth) -> bool:
    return bool(truth["blank_cells"] or truth["inconsistent"])


def assert_exact(parsed, truth, encoding):
    record = parsed.record
    assert differences(record, truth) == []
    assert record["encoding"] == encoding
    assert record["figures_from"] == record["source"]
    if not expected_problems(truth):
        assert record["problems"] == []


# ---- every kind the replica renders --------------------------------------------------

@pytest.mark.parametrize("template", TEMPLATES)
def test_a_pdf_lands_with_every_cell_equal_to_the_truth(template):
    index = BY_TEMPLATE[template]
    assert_exact(parse_document(replica.render_pdf(TRUTHS[index], index), "report.pdf"), TRUTHS[index], "pdf")


def test_a_pdf_table_split_by_a_page_break_is_joined_without_its_repeated_header():
    parsed = parse_document(replica.render_pdf(TRUTHS[0], 0), "report.pdf")  # 表三 runs onto page 2, header repeated
    assert_exact(parsed, TRUTHS[0], "pdf")
    assert parsed.text.count("申请人情况") == 1
    body = parsed.text[parsed.text.index("申请人情况"):parsed.text.index("结转下年度继续办理")]
    assert "— 1 —" not in body


@pytest.mark.parametrize("template", ["2021", "2019"])
def test_a_pdf_without_ruling_lines_is_read_from_its_text_layout(template):
    index = BY_TEMPLATE[template]
    assert_exact(parse_document(replica.render_pdf(TRUTHS[index], index, ruled=False), "report.pdf"),
                 TRUTHS[index], "pdf")


def test_a_pdf_restricted_by_an_owner_password_only_still_reads():
    data = replica.render_pdf(TRUTHS[0], 0, owner_password="owner")
    assert_exact(parse_document(data, "report.pdf"), TRUTHS[0], "pdf")


@pytest.mark.parametrize("template", TEMPLATES)
def test_a_docx_lands_with_every_cell_equal_to_the_truth(template):
    index = BY_TEMPLATE[template]
    assert_exact(parse_document(replica.render_docx(TRUTHS[index], index), "report.docx"), TRUTHS[index], "docx")


def test_a_real_word_97_doc_lands_with_every_cell_equal_to_the_truth():
    data, truth = replica.sample_doc()
    assert_exact(parse_document(data, "report.doc"), truth, "doc")


def test_spreadsheets_land_with_every_cell_equal_to_the_truth():
    index = BY_TEMPLATE["2021"]
    assert_exact(parse_document(replica.render_xlsx(TRUTHS[index], index), "report.xlsx"), TRUTHS[index], "xlsx")
    data, truth = replica.sample_xls()
    assert_exact(parse_document(data, "report.xls"), truth, "xls")


def test_rtf_tables_are_read_in_their_code_page_with_merged_cells_left_out():
    def gbk(text):
        return "".join(f"\\'{byte:02x}" for byte in text.encode("gbk"))

    row = "\\trowd\\cellx1000\\cellx2000\\cellx3000 "
    rtf = ("{\\rtf1\\ansi\\ansicpg936 " + gbk("年度报告") + "\\par "
           + row + gbk("一") + "\\cell A\\cell 12\\cell\\row "
           + row + "\\cell B\\cell 34\\cell\\row }")  # the first cell merged with the one above
    assert extract_rtf(rtf.encode("ascii")).text.splitlines() == ["年度报告", "一 | A | 12 |", "B | 34 |"]


def textless_scan(image_format: str) -> bytes:
    """A scanned page with no text on it (a photo of a blank form), as an image or a PDF."""
    from PIL import Image, ImageDraw

    page = Image.new("L", (620, 877), 250)
    ImageDraw.Draw(page).rectangle((60, 80, 560, 400), outline=120, width=3)
    out = io.BytesIO()
    page.save(out, format=image_format)
    return out.getvalue()


@pytest.mark.parametrize("image_format", ["PNG", "PDF"])
def test_an_image_only_report_without_text_is_recorded_as_such_and_holds_no_number(image_format):
    record = parse_document(textless_scan(image_format), "scan").record
    assert IMAGE_ONLY in record["problems"]
    assert not any(record[table] for table in ("active", "applications", "review_litigation", "narrative"))
    assert record["figures_from"] is None


def test_a_jpeg_is_an_image_too():
    record = parse_document(textless_scan("JPEG"), "scan.doc").record
    assert (record["encoding"], record["problems"][0]) == ("jpeg", IMAGE_ONLY)


# ---- a page and its attachments are one report ---------------------------------------

def stub_and_attachment(index, render, url):
    truth = TRUTHS[index]
    page = parse_document(replica.stub_page(truth, url, truth["title"] + ".pdf").encode(), "http://gov.cn/t1.html")
    return truth, page, parse_document(render(truth, index), url)


@pytest.mark.parametrize("template", TEMPLATES)
def test_a_see_attachment_page_takes_its_figures_from_the_attachment(template):
    url = "http://gov.cn/P020240101.pdf"
    truth, page, attachment = stub_and_attachment(BY_TEMPLATE[template], replica.render_pdf, url)
    assert page.record["figures_from"] is None
    combined = parse_with_attachments(page, [attachment]).record
    assert differences(combined, truth) == []
    assert (combined["source"], combined["figures_from"]) == ("http://gov.cn/t1.html", url)
    assert combined["problems"] == []


def test_the_page_supplies_the_metadata_an_attachment_lacks():
    url = "http://gov.cn/module/download/downfile.jsp?filename=report.docx"
    truth, page, attachment = stub_and_attachment(BY_TEMPLATE["2021"], replica.render_docx, url)
    attachment.record.update(year=None, agency=None, published_on=None,
                             problems=["the year the report covers could not be read"])
    combined = parse_with_attachments(page, [attachment])
    assert differences(combined.record, truth) == []
    assert combined.record["problems"] == []
    assert combined.report_key == f"{truth['agency']}/{truth['year']}"


def test_a_page_with_an_image_only_attachment_says_so():
    truth, page, attachment = stub_and_attachment(0, lambda truth, seed: textless_scan("PNG"), "http://gov.cn/scan.png")
    combined = parse_with_attachments(page, [attachment]).record
    assert IMAGE_ONLY in combined["problems"]
    assert "the year the report covers could not be read" not in combined["problems"]
    assert (combined["year"], combined["figures_from"]) == (truth["year"], None)


def test_inline_tables_and_an_attachment_are_counted_once_and_disagreement_is_recorded():
    truth = TRUTHS[0]
    page = parse_document(render_html(truth, style="trs", seed=0).encode(), "http://gov.cn/t1.html")
    attachment = parse_document(replica.render_pdf(truth, 0), "http://gov.cn/a.pdf")
    combined = parse_with_attachments(page, [attachment]).record
    assert differences(combined, truth) == [] and combined["problems"] == []
    assert combined["figures_from"] == "http://gov.cn/t1.html"

    attachment.record["applications"]["new_received"]["total"] += 1
    combined = parse_with_attachments(page, [attachment]).record
    assert differences(combined, truth) == []
    assert len(combined["problems"]) == 1 and "http://gov.cn/a.pdf disagrees" in combined["problems"][0]


def test_an_incomplete_inline_table_yields_to_a_complete_attachment():
    truth = TRUTHS[0]
    page = parse_document(render_html(truth, style="hanweb", seed=0).encode(), "http://gov.cn/t1.html")
    del page.record["applications"]["disclosed"]
    attachment = parse_document(replica.render_docx(truth, 0), "http://gov.cn/a.docx")
    combined = parse_with_attachments(page, [attachment]).record
    assert differences(combined, truth) == []
    assert combined["figures_from"] == "http://gov.cn/a.docx"


# ---- the type comes from the bytes ---------------------------------------------------

def test_an_html_page_saved_as_doc_is_read_as_html():
    truth = TRUTHS[0]
    parsed = parse_document(render_html(truth, style="generic", seed=1).encode("utf-8"), "report.doc")
    assert_exact(parsed, truth, "utf-8")


def test_a_docx_named_wps_is_read_as_docx_and_a_word_97_wps_as_doc():
    docx_bytes = replica.render_docx(TRUTHS[0], 0)
    assert filetype.sniff(docx_bytes) == "docx"
    assert_exact(parse_document(docx_bytes, "report.wps"), TRUTHS[0], "docx")
    doc_bytes, truth = replica.sample_doc()
    assert_exact(parse_document(doc_bytes, "report.wps"), truth, "doc")


@pytest.mark.parametrize("data, kind", [
    (b"{\\rtf1\\ansi hello}", "rtf"),
    (b"\x89PNG\r\n\x1a\n" + bytes(20), "png"),
    (b"GIF89a" + bytes(20), "gif"),
    (b"BM" + bytes(12) + (40).to_bytes(4, "little") + bytes(20), "bmp"),
    (b"BMW annual report", "text"),
    (b"\xef\xbb\xbf<html><body>x</body></html>", "html"),
    ("年度报告".encode("gb18030"), "text"),
    (b"PK\x03\x04 not really a zip", "zip"),
    (b"\x00\x01\x02\x03", "binary"),
])
def test_sniffing_by_magic_numbers(data, kind):
    assert filetype.sniff(data) == kind


def test_a_zip_that_is_no_office_file_is_named_as_such():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("report.txt", "年度报告")
    record = parse_document(buffer.getvalue(), "report.docx").record
    assert record["encoding"] == "zip"
    assert "no DOCX or XLSX" in record["problems"][0]


# ---- hostile files: a problem, in bounded time and memory ----------------------------

def bounded(data, name, *, megabytes=60):
    """Parse under tracemalloc; the peak of Python allocations and the RSS peak stay bounded.
    (How long it takes is `make bench`'s and `make reliability`'s to measure, not a test's.)"""
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    try:
        record = parse_document(data, name).record
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    rss_growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    assert peak < megabytes * 2**20
    assert rss_growth < megabytes
    assert not any(record[table] for table in ("active", "applications", "review_litigation"))
    return record


def test_a_corrupt_pdf_is_a_problem():
    data = replica.render_pdf(TRUTHS[0], 0)
    for broken in (data[:len(data) // 2], b"%PDF-1.7\n" + bytes(range(256)) * 64):
        record = bounded(broken, "report.pdf")
        assert record["encoding"] == "pdf"
        assert "the PDF is damaged" in record["problems"][0]


def test_a_damaged_word_file_is_a_problem():
    data, _ = replica.sample_doc()
    record = bounded(data[:len(data) // 2], "report.doc")
    assert "damaged" in record["problems"][0]
    record = bounded(replica.render_docx(TRUTHS[0], 0)[:-2000], "report.docx")
    assert "damaged" in record["problems"][0]


def test_an_encrypted_pdf_is_a_problem():
    record = bounded(replica.render_pdf(TRUTHS[0], 0, user_password="secret"), "report.pdf")
    assert record["problems"][0] == "the PDF is encrypted with a password: not read"


def test_a_pdf_without_unicode_maps_is_not_read_into_garbage():
    record = bounded(replica.render_pdf(TRUTHS[0], 0, unicode_map=False), "report.pdf")
    assert "no ToUnicode map" in record["problems"][0]


def zip_bomb(inflated_gib: int = 2) -> bytes:
    """A DOCX whose word/document.xml inflates to GiBs of zeros, written by hand: the
    deflate stream is one full-flushed 16 MiB block repeated, so building it takes no time."""
    chunk = bytes(2**24)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeats = inflated_gib * 64
    crc = 0
    for _ in range(repeats):
        crc = zlib.crc32(chunk, crc)
    members = [("[Content_Types].xml", 0, b"<Types/>", zlib.crc32(b"<Types/>"), 8),
               ("word/document.xml", 8, block * repeats + b"\x03\x00", crc, repeats * len(chunk))]
    local, central, offset = b"", b"", 0
    for name, method, payload, checksum, size in members:
        fields = struct.pack("<HHHHHIIIHH", 20, 0, method, 0, 0x21, checksum, len(payload), size, len(name), 0)
        header = b"PK\x03\x04" + fields + name.encode()
        central += b"PK\x01\x02" + struct.pack("<H", 20) + fields + struct.pack("<HHHII", 0, 0, 0, 0, offset) \
            + name.encode()
        local += header + payload
        offset += len(header) + len(payload)
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 2, 2, len(central), offset, 0)
    return local + central + end


@pytest.mark.slow
def test_a_zip_bomb_disguised_as_docx_is_refused_before_it_inflates():
    data = zip_bomb()
    assert filetype.sniff(data) == "docx" and len(data) < 10 * 2**20
    record = bounded(data, "report.docx")
    assert "zip bomb" in record["problems"][0]


@pytest.mark.slow
def test_a_200_mb_file_is_a_problem_not_a_memory_spike():
    data = b"%PDF-1.7\n" + bytes(200 * 2**20)
    assert len(data) > MAX_DOCUMENT_BYTES
    record = bounded(data, "report.pdf", megabytes=5)
    assert record["problems"][0] == "the file is 200 MB, over the 64 MB limit: not read"
