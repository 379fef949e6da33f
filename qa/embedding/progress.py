"""A progress bar of texts encoded (an index build), on stderr."""

from __future__ import annotations

__all__ = ["Progress"]


class Progress:
    """A progress bar of texts encoded, on stderr (rich, as the corpus reading's)."""

    def __init__(self, total: int) -> None:
        from rich import progress as rich_progress
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn

        self._bar = rich_progress.Progress(TextColumn("encoding"), BarColumn(), MofNCompleteColumn(),
                                           TextColumn("texts"), TimeRemainingColumn(), console=Console(stderr=True))
        self._task = self._bar.add_task("encoding", total=total)
        self._bar.start()

    def update(self, n: int) -> None:
        self._bar.advance(self._task, n)

    def close(self) -> None:
        self._bar.stop()
