"""What runs in a parsing worker process (crawler.extensions.Workers): each document within a
CPU-time and memory budget, so that no document can take a worker's machine.

A hostile document costs CPU (a PDF page of 400,000 text operators: 226 s) or memory (7 GB).
The worker's address space is capped once (RLIMIT_AS: allocations past it raise MemoryError),
and before each document its CPU time is given a soft limit (RLIMIT_CPU) that many seconds
past what it has used: the kernel then sends SIGXCPU, which raises OverBudget in the
document's Python code. Code stuck in C never sees the signal: the crawl's wall-clock
timeout (Workers.run) kills the worker and starts another.
"""
from __future__ import annotations

import resource
import signal

from crawler.orphans import die_with_parent


class OverBudget(Exception):
    """A document over its budget of CPU time, memory or wall-clock time: it is not read."""


def start(memory_bytes: int) -> None:
    """The initializer of a worker: it dies with its parent, and stays under `memory_bytes`."""
    die_with_parent()
    if memory_bytes:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes if hard == resource.RLIM_INFINITY
                                                else min(memory_bytes, hard), hard))
    signal.signal(signal.SIGXCPU, _out_of_time)


def _out_of_time(signum, frame):
    raise OverBudget("over its budget of CPU time")


def bounded(cpu_seconds: float, function, *args, **kwargs):
    """`function(*args, **kwargs)` with at most `cpu_seconds` of CPU time and the worker's memory.

    Only the soft limit moves: an unprivileged process could never raise a hard limit again."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = int(usage.ru_utime + usage.ru_stime + cpu_seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))
    try:
        return function(*args, **kwargs)
    except MemoryError:
        raise OverBudget("over its budget of memory") from None
    finally:
        resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))
