"""The terminal: progress of long work, and quiet TensorFlow unless asked.

A chapter runs in a Jupyter kernel whose ``sys.stderr`` feeds the notebook. The
terminal that started ``make book`` is the process's own standard error,
``sys.__stderr__``, which the kernel inherits from the build and Dask's worker
processes inherit from the kernel. Progress goes there: the terminal shows what
is happening and the pages stay clean.

* :func:`quiet_tensorflow` switches TensorFlow's C++ log lines off (they go
  straight to the terminal from every process) unless ``verbose``; child
  processes inherit the setting through the environment.
* :class:`RunProgress` is one training run's progress: a live line on a
  terminal, a line at every tenth of the run otherwise (a CI log, a file).
* :func:`say` writes one line to the terminal.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

from melodyreg.prose import counted

TF_LOG_LEVEL = "TF_CPP_MIN_LOG_LEVEL"  # 0 shows every C++ log line, 3 none
STEPS = 10  # lines per run where the terminal cannot redraw one


def terminal() -> TextIO:
    """The process's standard error as it started (not a notebook's redirected one)."""
    return sys.__stderr__ or sys.stderr


def live(stream: TextIO | None = None) -> bool:
    """Whether ``stream`` (default: the terminal) can redraw a line in place."""
    stream = stream or terminal()
    return hasattr(stream, "isatty") and stream.isatty()


def quiet_tensorflow(verbose: bool = False) -> None:
    """Hide TensorFlow's C++ log lines in this process and those it starts, unless ``verbose``.

    Call before TensorFlow is imported. A level the user set in the environment is kept.
    """
    if verbose:
        os.environ[TF_LOG_LEVEL] = "0"
    else:
        os.environ.setdefault(TF_LOG_LEVEL, "3")


def say(message: str, stream: TextIO | None = None) -> None:
    """Write one line to the terminal."""
    stream = stream or terminal()
    stream.write(message + "\n")
    stream.flush()


def duration(seconds: float) -> str:
    """``seconds`` as ``1h02m``, ``4m05s`` or ``12s``."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


class RunProgress:
    """The progress of one training run, on one line.

    Args:
        label: what is training (strategy, setting, seed).
        total: iterations of the run.
        initial: iterations already done (a resumed run).
        slot: the line to draw on, for runs training side by side (a worker's index).
        stream: where to write (default: the terminal).
        enabled: ``False`` writes nothing.
    """

    def __init__(
        self,
        label: str,
        total: int,
        *,
        initial: int = 0,
        slot: int = 0,
        stream: TextIO | None = None,
        enabled: bool = True,
    ):
        self.label, self.total, self.done = label, total, initial
        self.stream = stream or terminal()
        self.enabled = enabled
        self.start, self.first = time.perf_counter(), initial
        self.loss: float | None = None
        self.eval_loss: float | None = None
        self._bar = None
        self._next_line = initial + self._step()
        if enabled and live(self.stream):
            from tqdm import tqdm  # the terminal's, not a notebook widget

            self._bar = tqdm(
                total=total,
                initial=initial,
                desc=label,
                unit="it",
                position=slot,
                leave=False,
                file=self.stream,
                mininterval=0.5,
                dynamic_ncols=True,
            )

    def _step(self) -> int:
        return max(1, self.total // STEPS)

    def eta(self) -> float | None:
        """Seconds left at the pace of this session, or ``None`` before the first iteration."""
        ran = self.done - self.first
        if ran <= 0:
            return None
        return (time.perf_counter() - self.start) / ran * (self.total - self.done)

    def line(self) -> str:
        """The progress as text: label, iterations, losses, time left."""
        parts = [f"{self.label}: {self.done:,}/{self.total:,} it"]
        if self.loss is not None:
            parts.append(f"loss {self.loss:.3f}")
        if self.eval_loss is not None:
            parts.append(f"valid {self.eval_loss:.3f}")
        eta = self.eta()
        if eta is not None and self.done < self.total:
            parts.append(f"ETA {duration(eta)}")
        return ", ".join(parts)

    def update(self, done: int, loss: float | None = None, eval_loss: float | None = None) -> None:
        """Record that ``done`` iterations are finished, with the latest losses."""
        if not self.enabled:
            return
        step, self.done = done - self.done, done
        self.loss = self.loss if loss is None else loss
        self.eval_loss = self.eval_loss if eval_loss is None else eval_loss
        if self._bar is not None:
            postfix = {k: f"{v:.3f}" for k, v in (("loss", self.loss), ("valid", self.eval_loss)) if v is not None}
            self._bar.set_postfix(postfix, refresh=False)
            self._bar.update(step)
        elif done >= self._next_line and done < self.total:
            say(self.line(), self.stream)
            self._next_line = done + self._step()

    def close(self) -> None:
        """End the run's line (a live one disappears) and, where lines cannot be redrawn, write its summary."""
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.close()
        else:
            say(f"{self.line()} (done in {duration(time.perf_counter() - self.start)})", self.stream)
        self.enabled = False


class RunTally:
    """How many of a sweep's runs have finished: a live count on the top line, or a line per run.

    Args:
        total: runs in the sweep.
        stream: where to write (default: the terminal).
        enabled: ``False`` writes nothing.
    """

    def __init__(self, total: int, *, stream: TextIO | None = None, enabled: bool = True):
        self.total, self.count = total, 0
        self.stream = stream or terminal()
        self.enabled = enabled
        self.start = time.perf_counter()
        self._bar = None
        if enabled and live(self.stream):
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc="runs", unit="run", position=0, leave=True, file=self.stream)
        elif enabled:
            say(f"training {counted(total, 'run')}", self.stream)

    def finished(self, label: str, failed: bool = False) -> None:
        """Count one run as finished (or failed)."""
        if not self.enabled:
            return
        self.count += 1
        message = f"[{self.count}/{self.total} runs, {duration(time.perf_counter() - self.start)}] "
        message += f"{'FAILED' if failed else 'finished'}: {label}"
        if self._bar is not None:
            self._bar.write(message, file=self.stream)
            self._bar.update()
        else:
            say(message, self.stream)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        self.enabled = False
