"""Windows of encoded melodies: seeded training batches, held-out windows, and melody openings.

Every function here is a pure function of its arguments (and a seed), so a run
that resumes, a run on another Dask worker and an analysis that re-draws the
same windows all see the same events. Batches are dictionaries of tensors with
``inputs`` and ``labels`` (shifted by one step) and a ``mask`` of real steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from melodyreg.data.melodies import decode


def windows_to_batch(windows: np.ndarray, lengths: np.ndarray) -> dict[str, tf.Tensor]:
    """Windows of ``T + 1`` events → inputs, labels (shifted by one) and a mask of real steps."""
    steps = windows.shape[1] - 1
    mask = (np.arange(steps)[None, :] < (lengths[:, None] - 1)).astype(np.float32)
    return {
        "inputs": tf.constant(windows[:, :-1], tf.int32),
        "labels": tf.constant(windows[:, 1:], tf.int32),
        "mask": tf.constant(mask),
    }


@dataclass
class Batcher:
    """Random training windows, a pure function of ``(seed, iteration)``.

    Melodies are drawn with probability proportional to their length (every
    step is equally likely to be trained on), then a window of ``window + 1``
    events is cut at a random offset; shorter melodies are padded and masked.
    """

    melodies: Sequence[np.ndarray]
    window: int
    batch_size: int
    seed: int

    def __post_init__(self) -> None:
        if not len(self.melodies):
            raise ValueError("no training melodies: the dataset is empty")
        lengths = np.asarray([len(m) for m in self.melodies], dtype=np.float64)
        if (lengths < 2).any():
            raise ValueError("every melody needs at least 2 events")
        self._p = lengths / lengths.sum()

    def batch(self, iteration: int) -> dict[str, tf.Tensor]:
        rng = np.random.default_rng([self.seed, iteration])
        picks = rng.choice(len(self.melodies), size=self.batch_size, p=self._p)
        out = np.zeros((self.batch_size, self.window + 1), np.int32)
        lengths = np.zeros(self.batch_size, np.int64)
        for row, index in enumerate(picks):
            melody = self.melodies[index]
            start = rng.integers(0, max(1, len(melody) - self.window))
            piece = melody[start : start + self.window + 1]
            out[row, : len(piece)] = piece
            lengths[row] = len(piece)
        return windows_to_batch(out, lengths)


def eval_windows(melodies: Sequence[np.ndarray], window: int, limit: int) -> dict[str, tf.Tensor]:
    """Consecutive, non-overlapping windows of every held-out melody, at most ``limit``, in order."""
    rows, lengths = [], []
    for melody in melodies:
        for start in range(0, max(1, len(melody) - 1), window):
            piece = melody[start : start + window + 1]
            if len(piece) < 2:
                continue
            row = np.zeros(window + 1, np.int32)
            row[: len(piece)] = piece
            rows.append(row)
            lengths.append(len(piece))
            if len(rows) == limit:
                return windows_to_batch(np.stack(rows), np.asarray(lengths))
    if not rows:
        raise ValueError("no evaluation windows: the held-out set is empty")
    return windows_to_batch(np.stack(rows), np.asarray(lengths))


def opening_classes(melodies: Sequence[np.ndarray], steps: int, count: int, seed: int) -> np.ndarray:
    """[n, steps] event classes: up to ``count`` melodies (a seeded choice among those of at least ``steps``
    events, in corpus order), cut to their first ``steps`` events; n = 0 when none is long enough."""
    long = [m for m in melodies if len(m) >= steps]
    if not long:
        return np.zeros((0, steps), np.int32)
    picks = np.random.default_rng(seed).choice(len(long), size=min(count, len(long)), replace=False)
    return np.stack([np.asarray(long[i][:steps], np.int32) for i in sorted(picks)])


def openings(melodies: Sequence[np.ndarray], steps: int, count: int, seed: int) -> list[list[int]]:
    """:func:`opening_classes` as note-seq event values, one list per melody."""
    return [decode(row) for row in opening_classes(melodies, steps, count, seed)]
