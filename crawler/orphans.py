"""No process outlives the crawl that started it, even a crawl killed by SIGKILL.

The crawl's parsing workers (crawler.extensions.Workers) come from a forkserver. When the crawl
is killed -9, neither would notice: a worker holds the forkserver's liveness pipe open and
waits on a task queue whose write end it holds itself. So each asks Linux to send it SIGKILL
when its parent dies (PR_SET_PDEATHSIG): the forkserver when the crawl does, a worker when
the forkserver does. Importing this module does it for the importing process: the forkserver
preloads it; `die_with_parent` is the workers' initializer.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """SIGKILL this process when its parent dies (Linux only; elsewhere nothing happens)."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


if __name__ != "__main__":
    die_with_parent()
