"""Symbolic-music features of melodies and the set-comparison method of Yang & Lerch (2020).

Each feature is computed from a melody of note-seq event values (MIDI pitch,
``NOTE_OFF`` = -1, ``NO_EVENT`` = -2) on the 16th-note grid:

========================  ===========================================================
pitch_count               distinct MIDI pitches used
pitch_range               highest minus lowest pitch (semitones)
pitch_class_histogram     12 shares of note onsets per pitch class
pitch_class_transitions   12 x 12 shares of consecutive pitch-class pairs
mean_interval             mean absolute interval between consecutive notes (semitones)
note_count                note onsets
mean_ioi                  mean steps between consecutive onsets
note_length_histogram     shares of note lengths in :data:`LENGTH_BINS` steps
repetition                share of 4-note interval patterns that occur more than once
========================  ===========================================================

Two sets of melodies (generated vs held-out) are compared as Yang & Lerch
propose: for each feature, the distribution of distances between melodies
*within* the reference set (intra-set) and *between* the sets (inter-set),
smoothed by a Gaussian kernel density, then summarised by their overlap area
and the KL divergence of the inter-set from the intra-set distribution.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy import stats

from melodyreg.data.melodies import notes

# Note-length bins in 16th-note steps: 16th, 8th, dotted 8th, quarter, dotted quarter, half,
# dotted half, whole, longer.
LENGTH_BINS = (1, 2, 3, 4, 6, 8, 12, 16)
SCALAR_FEATURES = ("pitch_count", "pitch_range", "mean_interval", "note_count", "mean_ioi", "repetition")
VECTOR_FEATURES = ("pitch_class_histogram", "pitch_class_transitions", "note_length_histogram")


def _length_bin(length: int) -> int:
    for i, upper in enumerate(LENGTH_BINS):
        if length <= upper:
            return i
    return len(LENGTH_BINS)


def melody_features(events: Sequence[int]) -> dict[str, float | np.ndarray]:
    """Every feature of one melody (see the module docstring). A melody without notes gives zeros."""
    found = notes(events)
    pitches = np.asarray([p for p, _, _ in found], dtype=np.int64)
    onsets = np.asarray([o for _, o, _ in found], dtype=np.int64)
    lengths = [n for _, _, n in found]
    pch = np.bincount(pitches % 12, minlength=12).astype(float)
    transitions = np.zeros((12, 12))
    for a, b in zip(pitches[:-1] % 12, pitches[1:] % 12):
        transitions[a, b] += 1
    nlh = np.bincount([_length_bin(n) for n in lengths], minlength=len(LENGTH_BINS) + 1).astype(float)
    intervals = np.diff(pitches)
    patterns = Counter(tuple(intervals[i : i + 3]) for i in range(len(intervals) - 2))
    repeated = sum(c for c in patterns.values() if c > 1)
    return {
        "pitch_count": float(len(set(pitches.tolist()))),
        "pitch_range": float(pitches.max() - pitches.min()) if pitches.size else 0.0,
        "mean_interval": float(np.abs(intervals).mean()) if intervals.size else 0.0,
        "note_count": float(pitches.size),
        "mean_ioi": float(np.diff(onsets).mean()) if onsets.size > 1 else 0.0,
        "repetition": repeated / max(1, sum(patterns.values())),
        "pitch_class_histogram": pch / max(1.0, pch.sum()),
        "pitch_class_transitions": transitions / max(1.0, transitions.sum()),
        "note_length_histogram": nlh / max(1.0, nlh.sum()),
    }


def feature_matrix(melodies: Sequence[Sequence[int]], name: str) -> np.ndarray:
    """One row per melody: the feature ``name`` (flattened for histograms and matrices)."""
    if name not in SCALAR_FEATURES + VECTOR_FEATURES:
        raise ValueError(f"unknown feature {name!r}; known: {SCALAR_FEATURES + VECTOR_FEATURES}")
    if not len(melodies):
        raise ValueError("no melodies given")
    return np.stack([np.ravel(melody_features(m)[name]) for m in melodies])


def intra_distances(x: np.ndarray) -> np.ndarray:
    """Euclidean distances between every pair of distinct rows of ``x``."""
    i, j = np.triu_indices(len(x), k=1)
    return np.linalg.norm(x[i] - x[j], axis=-1)


def inter_distances(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Euclidean distances between every row of ``x`` and every row of ``y``."""
    return np.linalg.norm(x[:, None, :] - y[None, :, :], axis=-1).ravel()


def _density(sample: np.ndarray, grid: np.ndarray) -> np.ndarray:
    if np.ptp(sample) == 0:  # a constant sample: a narrow bump at its value
        width = max(1e-3, (grid[-1] - grid[0]) / 200)
        return stats.norm.pdf(grid, sample[0], width)
    return stats.gaussian_kde(sample)(grid)


def overlap_and_kl(reference: np.ndarray, other: np.ndarray, points: int = 512) -> tuple[float, float]:
    """Overlap area of two smoothed distributions and KL(reference || other), on a shared grid.

    Returns:
        ``(overlap in [0, 1], KL divergence in nats >= 0)``.
    """
    lo, hi = min(reference.min(), other.min()), max(reference.max(), other.max())
    pad = 0.1 * (hi - lo) + 1e-6
    grid = np.linspace(lo - pad, hi + pad, points)
    p, q = _density(reference, grid), _density(other, grid)
    step = grid[1] - grid[0]
    p, q = p / (p.sum() * step), q / (q.sum() * step)
    overlap = float(np.minimum(p, q).sum() * step)
    eps = 1e-12
    kl = float(np.sum(p * np.log((p + eps) / (q + eps))) * step)
    return min(1.0, overlap), max(0.0, kl)
