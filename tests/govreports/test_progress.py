"""Progress bars on an interactive terminal (a real pseudo-terminal), one summary line when not
(cron): `govreports crawl` (a real crawl of the replica), `reparse`, `parse FOLDER`."""
import json
import os
import pty
import shutil
import subprocess
import sys
import threading

import pytest

from crawler.runner import replica_columns
from replica.server import Replica
from tests.conftest import SEEDS

BAR = "━"  # rich's bar


def govreports(*args, terminal: bool, cwd=None) -> tuple[int, str, str]:
    """Run `govreports ARGS`: (exit code, stdout, what stderr showed), stderr on a pseudo-terminal or a pipe."""
    if not terminal:
        result = subprocess.run([sys.executable, "-m", "govreports", *map(str, args)], capture_output=True,
                                text=True, cwd=cwd, timeout=600)
        return result.returncode, result.stdout, result.stderr
    master, slave = pty.openpty()
    child = subprocess.Popen([sys.executable, "-m", "govreports", *map(str, args)], stdout=subprocess.PIPE,
                             stderr=slave, text=True, cwd=cwd)
    os.close(slave)
    shown = []

    def drain():
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                return
            if not data:
                return
            shown.append(data)

    reader = threading.Thread(target=drain)
    reader.start()
    stdout = child.communicate(timeout=600)[0]
    reader.join(timeout=30)
    os.close(master)
    return child.returncode, stdout, b"".join(shown).decode("utf-8", "replace")


@pytest.mark.slow
def test_crawl_shows_a_bar_on_a_terminal_and_one_line_under_cron(tmp_path):
    with Replica(seed=7, reports=12, out_dir=tmp_path / "replica") as replica:
        columns = json.dumps(replica_columns(replica.sites))
        shown = govreports("crawl", "--db", tmp_path / "tty.db", "--set", f"GOVREPORTS_COLUMNS={columns}", terminal=True)
        cron = govreports("crawl", "--db", tmp_path / "cron.db", "--set", f"GOVREPORTS_COLUMNS={columns}",
                          terminal=False)
    code, stdout, terminal = shown
    assert code == 0 and stdout.startswith("new ")
    assert BAR in terminal and "report pages" in terminal
    listed = stdout.split()[1].rstrip(",")
    assert f"/{int(listed) + 3}" in terminal  # every listed report page, the 3 blocked ones too
    code, stdout, stderr = cron
    assert code == 0 and stderr == ""
    assert [line.split()[0] for line in stdout.splitlines()] == ["new", "Log:"]
    assert not list((tmp_path / "logs").glob("*.progress"))


def test_parse_folder_and_reparse_show_a_bar_on_a_terminal_and_one_line_when_not(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for path in sorted(SEEDS.glob("*.txt")):
        shutil.copy(path, folder / path.name)
    files = len(list(folder.iterdir()))
    code, stdout, terminal = govreports("parse", folder, "--db", tmp_path / "tty.db", terminal=True)
    assert code == 0 and len(stdout.splitlines()) == files  # piped stdout keeps every line
    assert BAR in terminal and f"{files}/{files}" in terminal and f"Parsed {files} files: new {files}" in terminal
    code, stdout, stderr = govreports("parse", folder, "--db", tmp_path / "cron.db", terminal=False)
    assert code == 0 and stderr.splitlines() == [f"Parsed {files} files: new {files}"]

    code, stdout, terminal = govreports("reparse", "--db", tmp_path / "tty.db", "--workers", "1", terminal=True)
    assert code == 0 and BAR in terminal and f"{files}/{files}" in terminal
    code, stdout, stderr = govreports("reparse", "--db", tmp_path / "cron.db", "--workers", "1", terminal=False)
    assert code == 0 and stderr == "" and stdout.splitlines() == [stdout.splitlines()[-1]]
    assert stdout.startswith(f"Re-parsed {files} documents")
