"""The progress bar ``--confirm`` shows on a terminal while round trips run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from serialint.runtime.confirmation import Progress as ProgressCallback


@contextmanager
def confirm_progress(stream: TextIO, *, enabled: bool) -> Iterator[ProgressCallback | None]:
    """A callback that advances a rich bar on ``stream``, when it is a terminal (else None)."""
    console = Console(file=stream)
    if not enabled or not console.is_terminal:
        yield None
        return
    with Progress(
        TextColumn("Confirming findings under TensorFlow"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("confirm", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance
