"""No process outlives the crawl that started it, even a crawl killed by SIGKILL.

The crawl's parsing workers (crawler.extensions.Workers) come from a forkserver. When the crawl
is killed -9, neither would notice: a worker holds the forkserver's liveness pipe open and
waits on a task queue whose write end it holds itself. So each asks Linux to send it SIGKILL
when its parent dies (PR_SET_PDEATHSIG): the forkserver when the crawl does, a worker when
the forkserver does. The forkserver preloads crawler.forkserver, which asks it for itself;
`die_with_parent` is called by the workers' initializer (crawler.worker.start).

The parent is checked by the PID it had at the start, passed down in GOVREPORTS_PARENT_PID:
a process whose parent died before it could ask (a crawl killed while its forkserver was
still starting) has already been adopted by PID 1, and its parent's PID then would be 1.
The CLI's crawl child is asked the same way (crawler.runner), so no crawl outlives its CLI
and holds the database's lock.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys

PR_SET_PDEATHSIG = 1
PARENT_ENV = "GOVREPORTS_PARENT_PID"
# Loaded once, here: die_with_parent also runs between fork and exec (crawler.runner), where
# find_library's own subprocess has no place.
try:
    _LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
except OSError:
    _LIBC = None


def die_with_parent(parent: int | None = None) -> None:
    """SIGKILL this process when its parent dies (Linux only; elsewhere nothing happens), and
    exit at once if its parent is no longer `parent` (default: GOVREPORTS_PARENT_PID, else
    the parent it has now)."""
    if not sys.platform.startswith("linux"):
        return
    if parent is None:
        parent = int(os.environ.get(PARENT_ENV) or os.getppid())
    try:
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except AttributeError:  # no libc, or no prctl in it
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def parent_of_next() -> None:
    """Name this process as the parent the processes it starts from now on check."""
    os.environ[PARENT_ENV] = str(os.getpid())
