"""The terminal: progress of long work, and quiet TensorFlow unless asked.

A chapter runs in a Jupyter kernel whose ``sys.stderr`` feeds the notebook. The
terminal that started ``make book`` is the process's own standard error,
``sys.__stderr__``, which the kernel inherits from the build and Dask's worker
processes inherit from the kernel. Progress goes there: the terminal shows what
is happening and the pages stay clean.

* :func:`quiet_tensorflow` keeps TensorFlow's log lines off the terminal (they go
  straight to file descriptor 2 from every process) unless ``verbose``: a log
  level that child processes inherit, and a filter around TensorFlow's import
  for the lines no level reaches ("oneDNN custom operations are on", printed
  where TensorFlow turns oneDNN on). Importing ``melodyreg`` calls it.
* :class:`RunProgress` is one training run's progress: a live line on a
  terminal, a line at every tenth of the run otherwise (a CI log, a file).
* :func:`say` writes one line to the terminal.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import logging
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from melodyreg.prose import counted

TF_LOG_LEVEL = "TF_CPP_MIN_LOG_LEVEL"  # 0 shows every C++ log line, 3 none
LINES_PER_RUN = 10  # progress lines per run where the terminal cannot redraw one
# What TensorFlow 2.21 writes to file descriptor 2 while it is imported, whatever TF_CPP_MIN_LOG_LEVEL
# says (its start-up logging goes through absl before absl is initialised): absl's notice, then
# glog-style INFO, WARNING and ERROR lines such as "I0000 00:00:17.9 2104 port.cc:153] oneDNN custom
# operations are on ...", printed on CPUs with AVX-512 VNNI or BF16 (or TF_ENABLE_ONEDNN_OPTS=1).
IMPORT_NOISE = re.compile(
    r"WARNING: All log messages before absl::InitializeLog\(\) is called"
    r"|[IWE]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [\w./-]+:\d+\] "
    r"|To enable the following instructions: .* rebuild TensorFlow"  # the CPU-feature line's second line
)


def terminal() -> TextIO:
    """The process's standard error as it started (not a notebook's redirected one)."""
    return sys.__stderr__ or sys.stderr


def live(stream: TextIO | None = None) -> bool:
    """Whether ``stream`` (default: the terminal) can redraw a line in place."""
    stream = stream or terminal()
    return hasattr(stream, "isatty") and stream.isatty()


def quiet_tensorflow(verbose: bool | None = None) -> None:
    """Keep TensorFlow's log lines off the terminal in this process and those it starts, unless ``verbose``.

    Sets ``TF_CPP_MIN_LOG_LEVEL`` (a level the user set is kept; children inherit it) and, for the lines
    no level reaches, filters what TensorFlow writes while it is imported (:func:`filtered_stderr`).
    Also silences asyncio's "Task was destroyed but it is pending!", which Dask's clients and workers
    leave behind when a kernel or worker process ends, and TensorFlow's Python warnings (errors pass).
    ``verbose=True`` undoes all of it; ``None`` reads the choice from the environment (``--verbose``
    sets the level to 0). Call before TensorFlow is imported; importing ``melodyreg`` does, so the
    CLI, the chapters' kernels and Dask's workers are quiet alike.
    """
    if verbose is None:
        verbose = os.environ.get(TF_LOG_LEVEL) == "0"
    if verbose:
        os.environ[TF_LOG_LEVEL] = "0"
        sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _TensorFlowImportFilter)]
        logging.getLogger("asyncio").setLevel(logging.NOTSET)
        logging.getLogger("tensorflow").setLevel(logging.NOTSET)
        return
    os.environ.setdefault(TF_LOG_LEVEL, "3")
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    # TensorFlow's Python warnings (e.g. "... triggered tf.function retracing" when the speed claim builds
    # a compiled step per gate combination) are not errors of this project's making: errors only
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    if "tensorflow" not in sys.modules and not any(isinstance(f, _TensorFlowImportFilter) for f in sys.meta_path):
        sys.meta_path.insert(0, _TensorFlowImportFilter())


@contextmanager
def filtered_stderr(drop: re.Pattern = IMPORT_NOISE) -> Iterator[None]:
    """Hold what is written to file descriptor 2 (C++ included); pass on the lines ``drop`` does not match.

    The lines go to a temporary file while the block runs and are written back, in order, when it ends,
    also when it raises.
    """
    _flush_stderr()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        finally:
            _flush_stderr()
            os.dup2(saved, 2)
            os.close(saved)
            held.seek(0)
            lines = held.read().splitlines(keepends=True)
            kept = b"".join(line for line in lines if not drop.match(line.decode(errors="replace")))
            if kept:
                with open(2, "wb", closefd=False) as fd2:
                    fd2.write(kept)


def _flush_stderr() -> None:
    for stream in (sys.stderr, sys.__stderr__):
        if stream is not None:
            stream.flush()


class _FilteredLoader(importlib.abc.Loader):
    """Runs a package's loader with file descriptor 2 filtered (see :func:`filtered_stderr`)."""

    def __init__(self, loader: importlib.abc.Loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:
        with filtered_stderr():
            self.loader.exec_module(module)


class _TensorFlowImportFilter(importlib.abc.MetaPathFinder):
    """Finds ``tensorflow`` through the other finders and wraps its loader; steps aside after that."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        sys.meta_path.remove(self)  # once: the real finders answer from here on
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader = _FilteredLoader(spec.loader)
        return spec


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
        return max(1, self.total // LINES_PER_RUN)

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
        action: what the sweep does to each run, for its first line (``training 45 runs``).
        done: the word for a finished run in its line (``[3/45 runs, 4m10s] finished: ...``).
    """

    def __init__(
        self,
        total: int,
        *,
        stream: TextIO | None = None,
        enabled: bool = True,
        action: str = "training",
        done: str = "finished",
    ):
        self.total, self.count = total, 0
        self.stream = stream or terminal()
        self.enabled = enabled
        self.done = done
        self.start = time.perf_counter()
        self._bar = None
        if enabled and live(self.stream):
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=f"{action} runs", unit="run", position=0, leave=True, file=self.stream)
        elif enabled:
            say(f"{action} {counted(total, 'run')}", self.stream)

    def finished(self, label: str, failed: bool = False) -> None:
        """Count one run as finished (or failed)."""
        if not self.enabled:
            return
        self.count += 1
        message = f"[{self.count}/{self.total} runs, {duration(time.perf_counter() - self.start)}] "
        message += f"{'FAILED' if failed else self.done}: {label}"
        if self._bar is not None:
            self._bar.write(message, file=self.stream)
            self._bar.update()
        else:
            say(message, self.stream)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        self.enabled = False
