"""How alike two melodies are, whatever their key, octave or starting beat: n-gram sets and their overlap.

A tune written down twice is rarely written down identically: one copy has an ornament, a
pickup the other lacks, a phrase an octave higher. :func:`exact copies <melodyreg.data.splits.duplicate_groups>`
miss such variants, so the split would put one on each side and the test side would hold a
near-copy of a training melody. Here a melody becomes a set of n-grams of notes, each note
described by what survives those changes:

- its **interval class** from the previous note: the interval in semitones folded into one
  octave (-5 ... +6), so a transposition, or a note moved by an octave, changes nothing;
- the previous note's **length** and the **rest** after it, in steps (capped): a melody that
  starts a beat later has the same lengths.

Two melodies are compared by the Jaccard index of their n-gram sets (shared n-grams over all
n-grams of either), computed for all pairs at once as a sparse matrix product.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from melodyreg import constants as C

NGRAM = 4  # notes per n-gram (three intervals' context): long enough that unrelated tunes share few
MAX_STEPS = 32  # note lengths and rests above two 4/4 bars of 16ths count as one long value
BLOCK = 1024  # melodies compared at once in :func:`similar_pairs` (a block x corpus array of floats)


def notes(melody: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The notes of an encoded melody: pitches, lengths and the rests after them, in steps.

    Args:
        melody: events as classes (:data:`melodyreg.constants.CLASS_NO_EVENT` holds,
            :data:`~melodyreg.constants.CLASS_NOTE_OFF` ends a note, higher classes start one).

    Returns:
        ``(pitch classes as event classes, lengths, rests)``, one entry per note.
    """
    events = np.asarray(melody, dtype=np.int64)
    onsets = np.flatnonzero(events > C.CLASS_NOTE_OFF)
    changes = np.flatnonzero(events != C.CLASS_NO_EVENT)  # onsets and note-offs
    if not len(onsets):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    after = np.searchsorted(changes, onsets, side="right")  # the first change after each onset ends the note
    ends = np.where(after < len(changes), changes[np.minimum(after, len(changes) - 1)], len(events))
    next_onsets = np.append(onsets[1:], ends[-1])  # the last note has no rest after it
    return events[onsets], ends - onsets, next_onsets - ends


def tokens(melody: np.ndarray) -> np.ndarray:
    """One integer per note after the first: its interval class from the previous note, and that
    note's length and the rest after it (see the module docstring)."""
    pitches, lengths, rests = notes(melody)
    if len(pitches) < 2:
        return np.zeros(0, dtype=np.int64)
    interval = (np.diff(pitches) + 5) % C.NOTES_PER_OCTAVE  # -5 ... +6 as 0 ... 11
    length = np.minimum(lengths[:-1], MAX_STEPS)
    rest = np.minimum(rests[:-1], MAX_STEPS)
    return interval + C.NOTES_PER_OCTAVE * (length + (MAX_STEPS + 1) * rest)


def ngrams(melody: np.ndarray, n: int = NGRAM) -> set[tuple[int, ...]]:
    """The set of ``n`` consecutive :func:`tokens` of a melody; empty for a melody of ``n`` notes or fewer,
    which is too short to tell apart from another by its n-grams (it then matches nothing)."""
    found = tokens(melody).tolist()
    return {tuple(found[i : i + n]) for i in range(len(found) - n + 1)}


def _matrix(sets: Sequence[set], vocabulary: dict) -> sparse.csr_matrix:
    rows, cols = [], []
    for row, grams in enumerate(sets):
        for gram in grams:
            if gram in vocabulary:
                rows.append(row)
                cols.append(vocabulary[gram])
    data = np.ones(len(rows), dtype=np.float64)
    return sparse.csr_matrix((data, (rows, cols)), shape=(len(sets), max(1, len(vocabulary))))


def jaccard(first: Sequence[np.ndarray], second: Sequence[np.ndarray] | None = None, n: int = NGRAM) -> np.ndarray:
    """The Jaccard index of the n-gram sets of every melody of ``first`` with every melody of ``second``.

    Args:
        first, second: encoded melodies; ``second`` defaults to ``first`` (all pairs within one set).

    Returns:
        A ``len(first) x len(second)`` array in [0, 1]; a pair of melodies with no n-grams at all scores 0.
    """
    sets_a = [ngrams(m, n) for m in first]
    sets_b = sets_a if second is None else [ngrams(m, n) for m in second]
    vocabulary: dict = {}
    for grams in (*sets_a, *sets_b):
        for gram in grams:
            vocabulary.setdefault(gram, len(vocabulary))
    a, b = _matrix(sets_a, vocabulary), _matrix(sets_b, vocabulary)
    shared = (a @ b.T).toarray()
    sizes_a = np.asarray([len(s) for s in sets_a], dtype=np.float64)[:, None]
    sizes_b = np.asarray([len(s) for s in sets_b], dtype=np.float64)[None, :]
    union = sizes_a + sizes_b - shared
    return np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)


def nearest(queries: Sequence[np.ndarray], references: Sequence[np.ndarray], n: int = NGRAM) -> np.ndarray:
    """For each query melody, its highest Jaccard index with any reference melody (0 with none)."""
    if not len(queries) or not len(references):
        return np.zeros(len(queries))
    return jaccard(queries, references, n).max(axis=1)


def similar_pairs(melodies: Sequence[np.ndarray], threshold: float, n: int = NGRAM) -> list[tuple[int, int]]:
    """Every pair ``(i, j)``, ``i < j``, of melodies whose :func:`jaccard` index is at least ``threshold``
    (:func:`scored_pairs` without the index)."""
    return [(i, j) for i, j, _ in scored_pairs(melodies, threshold, n)]


def scored_pairs(melodies: Sequence[np.ndarray], threshold: float, n: int = NGRAM) -> list[tuple[int, int, float]]:
    """Every pair ``(i, j, index)``, ``i < j``, of melodies whose :func:`jaccard` index is at least ``threshold``.

    Computed in blocks of :data:`BLOCK` rows, so memory grows with the corpus, not its square.
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    sets = [ngrams(m, n) for m in melodies]
    vocabulary: dict = {}
    for grams in sets:
        for gram in grams:
            vocabulary.setdefault(gram, len(vocabulary))
    matrix = _matrix(sets, vocabulary)
    sizes = np.asarray([len(s) for s in sets], dtype=np.float64)
    pairs = []
    for start in range(0, len(sets), BLOCK):
        shared = (matrix[start : start + BLOCK] @ matrix.T).toarray()
        union = sizes[start : start + BLOCK, None] + sizes[None, :] - shared
        index = np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)
        rows, cols = np.nonzero(index >= threshold)
        pairs += [(int(i) + start, int(j), float(index[i, j])) for i, j in zip(rows, cols) if i + start < j]
    return pairs
