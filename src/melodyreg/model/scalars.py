"""TensorBoard scalars for one training run, beside its ``history.csv``.

Every run writes its metrics to ``<run folder>/tensorboard/``:
``train/<metric>`` (the training loss and accuracy, the gradient norm and each
strategy's own quantities: ε and the share of inputs that were the model's own
and differed from the truth for scheduled sampling, the discriminator's
accuracy and the gates for professor forcing), averaged over blocks of
:data:`EVERY` iterations, and ``valid/<metric>`` at every held-out evaluation.
``tensorboard --logdir runs`` then shows every run of the store, updated while
runs train (the events are flushed at each evaluation). The history stays the
record the book reads; these files are for watching.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import tensorflow as tf

EVERY = 10  # training iterations per written point
FOLDER = "tensorboard"


class Scalars:
    """Writes a run's training and held-out metrics as TensorBoard scalars.

    Args:
        folder: the run's folder; the events go to ``folder/tensorboard``.
        enabled: ``False`` writes nothing (and creates no file).
    """

    def __init__(self, folder: str | Path, enabled: bool = True):
        self.enabled = enabled
        self._sums: dict[str, float] = defaultdict(float)
        self._count = 0
        self._writer = tf.summary.create_file_writer(str(Path(folder) / FOLDER)) if enabled else None

    def train(self, iteration: int, metrics: dict[str, float]) -> None:
        """Add one training iteration's metrics; a block's mean is written every :data:`EVERY` iterations."""
        if not self.enabled:
            return
        for name, value in metrics.items():
            self._sums[name] += float(value)
        self._count += 1
        if iteration % EVERY == 0:
            self._write("train", iteration, {k: v / self._count for k, v in self._sums.items()})
            self._sums.clear()
            self._count = 0

    def valid(self, iteration: int, metrics: dict[str, float]) -> None:
        """Write one held-out evaluation and flush, so a watching TensorBoard sees it."""
        if not self.enabled:
            return
        self._write("valid", iteration, metrics)
        self._writer.flush()

    def _write(self, prefix: str, iteration: int, metrics: dict[str, float]) -> None:
        with self._writer.as_default(step=iteration):
            for name, value in metrics.items():
                tf.summary.scalar(f"{prefix}/{name}", float(value))

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
