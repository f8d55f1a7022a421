"""The three-way split by tune: training, validation (for choosing settings) and test (for verdicts).

Melodies are split by tune, never by window, so no test melody shares a piece
with a training one. Before a random split, tunes written down more than once
across the folk collections are merged (:func:`duplicate_groups`: exact copies
and near-copies, :mod:`melodyreg.data.similarity`), so each copy lands on the
same side; MAESTRO's groups are compositions, and its ``official`` split maps
onto its own train, validation and test sets.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from melodyreg import constants as C
from melodyreg.data import similarity
from melodyreg.data.dataset import Corpus

SIDES = ("train", "valid", "test")
OPENING_STEPS = 32  # two 4/4 bars of 16th notes: tunes whose encoded openings agree are one tune
NEAR_BAND = 0.05  # the data chapter shows pairs this close to the near-copy threshold, on either side
NEAR_SHOWN = 4  # pairs shown on each side of the threshold


@dataclass(frozen=True)
class Split:
    """Melody indices of the three sides: training, validation (for choosing settings) and test (for verdicts).

    Attributes:
        duplicate_tunes: tunes found more than once before splitting (their melodies
            agree in full or in their opening bars, or are near-copies; see
            :func:`duplicate_groups`); each is kept on one side.
        duplicates: the copies merged into them (groups that are a copy of another).
        near_duplicates: of ``duplicates``, those only the near-copy rule found (no exact match).
        digest: names the melodies a run trains and validates on (:func:`digest`); it is
            part of every run's key (:attr:`melodyreg.config.ExperimentConfig.split_digest`).
    """

    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray
    duplicate_tunes: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    digest: str = ""

    def melodies(self, corpus: Corpus, side: str) -> list[np.ndarray]:
        """The encoded melodies of ``side`` (``"train"``, ``"valid"`` or ``"test"``) of ``corpus``."""
        if side not in SIDES:
            raise ValueError(f"unknown side {side!r}: expected one of {SIDES}")
        return [corpus.melodies[i] for i in getattr(self, side)]


def digest(train: list[np.ndarray], valid: list[np.ndarray]) -> str:
    """A short SHA-256 of the training and validation melodies, in order: what a run learns from and is
    evaluated on. Two splits that differ in one melody, its side or its order get different digests."""
    hasher = hashlib.sha256()
    for side in (train, valid):
        hasher.update(b"side:%d;" % len(side))
        for melody in side:
            events = np.asarray(melody, dtype=np.int64)
            hasher.update(b"melody:%d;" % len(events) + events.tobytes())
    return hasher.hexdigest()[: C.DIGEST_LENGTH]


def duplicate_groups(
    corpus: Corpus, opening: int = OPENING_STEPS, near: float | None = C.NEAR_DUPLICATE
) -> dict[str, str]:
    """Tunes that appear more than once: each group mapped to the one group standing for all its copies.

    Two groups are one tune when any of their melodies agree, whole, or in their
    first ``opening`` events (melodies are already transposed to C, so a tune
    written down twice in different keys agrees too), or when the Jaccard index
    of two melodies' interval-and-rhythm n-gram sets is at least ``near``
    (:func:`melodyreg.data.similarity.similar_pairs`; ``None``: exact copies
    only). Agreement is transitive.

    Returns:
        ``{group: representative}`` for every group that has a copy (the
        representative is the first of its copies in corpus order).
    """
    parent: dict[str, str] = {}

    def find(g: str) -> str:
        while parent.get(g, g) != g:
            g = parent[g]
        return g

    first_with: dict[bytes, str] = {}
    groups = [corpus.groups[p] for p in corpus.melody_piece]
    order = {g: i for i, g in enumerate(dict.fromkeys(groups))}

    def union(one: str, other: str) -> None:
        a, b = find(one), find(other)
        if a != b:
            a, b = sorted((a, b), key=order.__getitem__)
            parent[b] = a

    for melody, group in zip(corpus.melodies, groups):
        keys = [b"whole:" + melody.tobytes()]
        if len(melody) >= opening:
            keys.append(b"opening:" + melody[:opening].tobytes())
        for key in keys:
            union(first_with.setdefault(key, group), group)
    if near is not None:
        for i, j in similarity.similar_pairs(corpus.melodies, near):
            union(groups[i], groups[j])
    return {g: find(g) for g in dict.fromkeys(groups) if find(g) != g or g in parent.values()}


def split(corpus: Corpus, seed: int) -> Split:
    """Split melodies into training, validation and test sides by tune, never by window.

    ``random`` (the default, and the poster's 90:10): tunes that appear twice are
    first merged into one group (:func:`duplicate_groups`; not for MAESTRO, whose
    groups are compositions), then a seeded permutation of the groups puts
    ``test_fraction`` of them in the test side and ``valid_fraction`` of the rest
    in the validation side. ``official`` (MAESTRO only): MAESTRO's own ``train``,
    ``validation`` and ``test`` splits.

    Raises:
        ValueError: fewer than three groups hold melodies, or an empty side.
    """
    config = corpus.config
    groups = np.asarray(corpus.groups, dtype=object)[corpus.melody_piece]
    merged = tunes = near = 0
    if config.source == "maestro" and config.maestro_split == "official":
        official = np.asarray(corpus.official_splits, dtype=object)[corpus.melody_piece]
        sides = [np.flatnonzero(official == name) for name in ("train", "validation", "test")]
    else:
        if config.source != "maestro":
            copies = duplicate_groups(corpus)
            tunes = len(set(copies.values()))
            merged = len(copies) - tunes
            exact = duplicate_groups(corpus, near=None)
            near = merged - (len(exact) - len(set(exact.values())))
            groups = np.asarray([copies.get(g, g) for g in groups.tolist()], dtype=object)
        names = sorted(set(groups.tolist()))
        if len(names) < 3:
            raise ValueError(f"need melodies from at least 3 tunes to split three ways, found {len(names)}")
        order = np.random.default_rng(seed).permutation(len(names))
        n_test = min(len(names) - 2, max(1, int(round(config.test_fraction * len(names)))))
        n_valid = min(len(names) - n_test - 1, max(1, int(round(config.valid_fraction * (len(names) - n_test)))))
        side_of = {names[i]: 2 for i in order[:n_test]} | {names[i]: 1 for i in order[n_test : n_test + n_valid]}
        index = np.asarray([side_of.get(g, 0) for g in groups.tolist()])
        sides = [np.flatnonzero(index == k) for k in range(3)]
    if min(len(s) for s in sides):
        named = digest([corpus.melodies[i] for i in sides[0]], [corpus.melodies[i] for i in sides[1]])
        return Split(*sides, duplicate_tunes=tunes, duplicates=merged, near_duplicates=near, digest=named)
    counts = ", ".join(f"{len(s)} {name}" for s, name in zip(sides, ("training", "validation", "test")))
    raise ValueError(f"empty side in split: {counts} melodies")


def nearest_training(corpus: Corpus, parts: Split) -> pd.DataFrame:
    """How close each held-out melody comes to the training side: its highest n-gram Jaccard index with
    any training melody (:func:`melodyreg.data.similarity.nearest`).

    Returns:
        One row per validation and test melody: ``side`` and ``similarity`` (0: shares no n-gram
        with any training melody; 1: the same n-gram set as one of them).
    """
    train = parts.melodies(corpus, "train")
    frames = [
        pd.DataFrame({"side": side, "similarity": similarity.nearest(parts.melodies(corpus, side), train)})
        for side in ("valid", "test")
    ]
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True)
class ThresholdSample:
    """Pairs of melodies from different tunes near the near-copy threshold (:func:`threshold_sample`).

    Attributes:
        pairs: one row per pair drawn, pairs at or above the threshold first, each side by falling index:
            ``side`` (``"at or above"`` or ``"below"``), ``jaccard``, ``first`` and ``second`` (melody
            indices).
        in_band: how many pairs each side holds, of which ``pairs`` were drawn.
        threshold, band: the pairs' indices lie from ``threshold - band`` to ``threshold + band``.
        merges: whether the corpus's split merges near-copies at all (not for MAESTRO, whose groups are
            compositions); without, nothing is drawn.
    """

    pairs: pd.DataFrame
    in_band: dict[str, int]
    threshold: float
    band: float
    merges: bool = True


def threshold_sample(
    corpus: Corpus, seed: int, threshold: float = C.NEAR_DUPLICATE, band: float = NEAR_BAND, count: int = NEAR_SHOWN
) -> ThresholdSample:
    """Pairs of melodies from different tunes whose n-gram Jaccard index lies within ``band`` of the
    near-copy ``threshold``: the sample a reader inspects to judge the threshold by eye and by ear.

    Pairs that exact comparison already merges (:func:`duplicate_groups` with ``near=None``) are left
    out; of the rest, up to ``count`` pairs are drawn with ``seed`` on each side: ``"at or above"``
    (``threshold`` to ``threshold + band``: this pair alone merges the two tunes) and ``"below"``
    (``threshold - band`` up to ``threshold``: the two tunes stay apart unless other copies link them).

    Raises:
        ValueError: ``band`` is not positive and below ``threshold``, or ``threshold`` is above 1.
    """
    if not 0 < band < threshold <= 1:
        raise ValueError(f"need 0 < band < threshold <= 1, got band {band} and threshold {threshold}")
    merges = corpus.config.source != "maestro"
    pairs: list[tuple[int, int, float]] = []
    if merges:
        exact = duplicate_groups(corpus, near=None)
        tune = [exact.get(g, g) for g in (corpus.groups[p] for p in corpus.melody_piece)]
        pairs = [
            pair
            for pair in similarity.scored_pairs(corpus.melodies, threshold - band)
            if tune[pair[0]] != tune[pair[1]]
        ]
    first = np.asarray([i for i, _, _ in pairs], dtype=np.int64)
    second = np.asarray([j for _, j, _ in pairs], dtype=np.int64)
    index = np.asarray([score for _, _, score in pairs], dtype=np.float64)
    rng = np.random.default_rng(seed)
    frames, in_band = [], {}
    for side, inside in (
        ("at or above", (index >= threshold) & (index <= threshold + band)),
        ("below", index < threshold),
    ):
        where = np.flatnonzero(inside)
        in_band[side] = len(where)
        drawn = rng.choice(where, size=min(count, len(where)), replace=False)
        frame = pd.DataFrame({"side": side, "jaccard": index[drawn], "first": first[drawn], "second": second[drawn]})
        frames.append(frame.sort_values("jaccard", ascending=False, kind="stable"))
    return ThresholdSample(pd.concat(frames, ignore_index=True), in_band, threshold, band, merges)


def collection_table(corpus: Corpus, parts: Split) -> pd.DataFrame:
    """Per collection: pieces read, pieces with melodies, melodies, steps, and melodies per side."""
    collection = np.asarray(corpus.collections, dtype=object)
    melody_collection = collection[corpus.melody_piece]
    side = np.full(len(corpus.melodies), "", dtype=object)
    for name in SIDES:
        side[getattr(parts, name)] = name
    lengths = np.asarray([len(m) for m in corpus.melodies])
    rows = []
    for name in dict.fromkeys(corpus.collections):
        mask = melody_collection == name
        rows.append(
            {
                "collection": name,
                "pieces": int((collection == name).sum()),
                "pieces with melodies": len(set(corpus.melody_piece[mask].tolist())),
                "melodies": int(mask.sum()),
                "steps": int(lengths[mask].sum()),
                **{f"{s} melodies": int((mask & (side == s)).sum()) for s in SIDES},
            }
        )
    frame = pd.DataFrame(rows)
    total = frame.drop(columns="collection").sum().to_dict()
    return pd.concat([frame, pd.DataFrame([{"collection": "total", **total}])], ignore_index=True)
