"""`govreports parse FOLDER` reads every type the crawler reads, told by the bytes, and names what it skips."""
import json
import subprocess
import sys

from replica.attachments import render_docx
from replica.generator import generate
from tests.conftest import SEEDS


def test_a_folder_of_mixed_files_is_read_by_their_bytes_and_the_rest_is_counted(tmp_path):
    truth = generate(2024, 3)[2]
    folder = tmp_path / "in"
    folder.mkdir()
    seed = sorted(SEEDS.glob("*.txt"))[0]
    (folder / "a_report.txt").write_bytes(seed.read_bytes())
    (folder / "b_report.wps").write_bytes(render_docx(truth, 2))  # a DOCX under a WPS name
    (folder / "c_archive.zip").write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    (folder / "d_tool.exe").write_bytes(b"MZ\x90\x00\x03\x00\x00\x00")
    (folder / "e_notes.json").write_text("{}")
    result = subprocess.run([sys.executable, "-m", "govreports", "parse", "--json", str(folder)],
                            capture_output=True, text=True, timeout=120)
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [record["source"].rsplit("/", 1)[1] for record in records] == ["a_report.txt", "b_report.wps"]
    assert (records[1]["encoding"], records[1]["agency"], records[1]["year"]) == ("docx", truth["agency"],
                                                                                  truth["year"])
    assert result.stderr.strip().splitlines()[-1] == "skipped 3 files: .zip 1, .exe 1, .json 1"
    assert result.returncode == 0


def test_parse_help_names_every_type_it_reads():
    result = subprocess.run([sys.executable, "-m", "govreports", "parse", "--help"], capture_output=True, text=True,
                            timeout=60)
    for kind in ("HTML", "text", "Markdown", "PDF", "DOC", "DOCX", "WPS", "RTF", "XLS", "XLSX", "JPEG", "PNG", "TIFF"):
        assert kind in result.stdout


def test_a_page_and_the_file_it_links_side_by_side_are_one_record(tmp_path):
    from corpus.truth import differences
    from replica.attachments import stub_page

    truth = generate(2024, 4)[3]
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "t20240105_1.html").write_text(stub_page(truth, "./P020240105.docx", truth["title"] + ".docx"),
                                             encoding="utf-8")
    (folder / "P020240105.docx").write_bytes(render_docx(truth, 3))
    result = subprocess.run([sys.executable, "-m", "govreports", "parse", "--json", str(folder)],
                            capture_output=True, text=True, timeout=120)
    [record] = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["source"].endswith("t20240105_1.html") and record["figures_from"].endswith("P020240105.docx")
    assert differences(record, truth) == []
    stored = subprocess.run([sys.executable, "-m", "govreports", "parse", str(folder), "--db", str(tmp_path / "r.db")],
                            capture_output=True, text=True, timeout=120)
    assert stored.returncode == 0 and len(stored.stdout.splitlines()) == 1
