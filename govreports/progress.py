"""A progress bar on the terminal (stderr) for long runs: `crawl`, `reparse`, `parse FOLDER`.
Only when stderr is an interactive terminal: under cron or systemd the commands print their
one summary line and nothing else."""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def interactive() -> bool:
    """Whether stderr is a terminal someone watches."""
    from rich.console import Console

    return Console(stderr=True).is_terminal


@contextmanager
def progress_bar(description: str, total: int | None = None) -> Iterator[Callable[..., None]]:
    """Yields update(completed=…, total=…, advance=…, description=…) for the bar; on a
    non-interactive stderr it does nothing."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    # Lines printed meanwhile go above the bar only when stdout is this terminal too: piped
    # stdout (parse --json > file) must keep every line it is given.
    with Progress(*columns, console=console, disable=not console.is_terminal, transient=True,
                  redirect_stdout=sys.stdout.isatty()) as bar:
        task = bar.add_task(description, total=total)
        yield lambda **fields: bar.update(task, **fields)
