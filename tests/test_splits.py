"""Tests for melodyreg.data.splits: the three-way split by tune, duplicate tunes, the collection table."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from helpers import maestro_config
from melodyreg.config import data_config
from melodyreg.data import dataset, splits


def make_corpus(
    melody_groups,
    *,
    test_fraction=0.1,
    valid_fraction=0.1,
    collections=None,
    source="folk",
    splits=None,
    maestro_split="random",
    melodies=None,
):
    """A hand-built Corpus with one piece per distinct group and one melody per entry (distinct by default)."""
    names = list(dict.fromkeys(melody_groups))
    piece_of = {g: i for i, g in enumerate(names)}
    fractions = {"test_fraction": test_fraction, "valid_fraction": valid_fraction}
    if source == "maestro":
        config = data_config("poster", source="maestro", path="unused.zip", maestro_split=maestro_split, **fractions)
    else:
        config = data_config("smoke", **fractions)
    if melodies is None:  # melody i: two steps that no other melody of the corpus shares
        melodies = [np.asarray([2 + i % 36, 2 + i // 36, 0, 1], dtype=np.int8) for i in range(len(melody_groups))]
    return dataset.Corpus(
        melodies=melodies,
        melody_piece=np.asarray([piece_of[g] for g in melody_groups], dtype=np.int64),
        pieces=names,
        collections=collections or ["c"] * len(names),
        titles=names,
        groups=names,
        official_splits=splits or [""] * len(names),
        report=dataset.Report(),
        config=config,
    )


def sides(corpus, parts):
    groups = np.asarray(corpus.groups, dtype=object)[corpus.melody_piece]
    return tuple(set(groups[getattr(parts, side)].tolist()) for side in splits.SIDES)


def test_random_split_keeps_two_performances_of_a_work_together(maestro_corpus):
    maestro_corpus = dataclasses.replace(
        maestro_corpus, config=dataclasses.replace(maestro_corpus.config, test_fraction=0.3, valid_fraction=0.3)
    )
    seen_alpha_held_out = False
    for seed in range(12):
        parts = splits.split(maestro_corpus, seed)
        side_of = {int(i): side for side in splits.SIDES for i in getattr(parts, side)}
        assert sorted(side_of) == [0, 1, 2, 3]
        assert side_of[0] == side_of[1]  # melodies 0 and 1: two performances of Alpha / Sonata
        assert [len(s) for s in sides(maestro_corpus, parts)] == [1, 1, 1]  # three works, one per side
        seen_alpha_held_out |= side_of[0] != "train"
    assert seen_alpha_held_out  # the pair does get held out for some seed, together


def test_random_split_is_deterministic_per_seed_and_varies_across_seeds():
    corpus = make_corpus([f"tune{i}" for i in range(20)], test_fraction=0.25)
    a, b = splits.split(corpus, 7), splits.split(corpus, 7)
    for side in splits.SIDES:
        assert getattr(a, side).tolist() == getattr(b, side).tolist()
    held = {tuple(splits.split(corpus, seed).test.tolist()) for seed in range(10)}
    assert len(held) > 1


@pytest.mark.parametrize(
    "n_groups, test, valid, n_test, n_valid",
    [(10, 0.3, 0.1, 3, 1), (20, 0.25, 0.2, 5, 3), (10, 0.01, 0.01, 1, 1), (3, 0.9, 0.9, 1, 1), (40, 0.1, 0.1, 4, 4)],
)
def test_random_split_holds_out_test_then_validation_fractions_of_groups(n_groups, test, valid, n_test, n_valid):
    # each group has 1 to 3 melodies; the fractions count groups, not melodies
    groups = [f"g{i}" for i in range(n_groups) for _ in range(1 + i % 3)]
    corpus = make_corpus(groups, test_fraction=test, valid_fraction=valid)
    parts = splits.split(corpus, 0)
    train, held_valid, held_test = sides(corpus, parts)
    assert (len(held_test), len(held_valid)) == (n_test, n_valid)
    assert train.isdisjoint(held_valid) and train.isdisjoint(held_test) and held_valid.isdisjoint(held_test)
    assert len(train | held_valid | held_test) == n_groups
    assert sorted(parts.train.tolist() + parts.valid.tolist() + parts.test.tolist()) == list(range(len(groups)))
    assert parts.melodies(corpus, "test") == [corpus.melodies[i] for i in parts.test]


def test_tunes_written_down_twice_stay_on_one_side():
    # tunes a/b: the same melody in two collections; c/d: the same opening bars, different endings;
    # e/f/g: a chain (e = f by melody, f = g by opening); the rest are unrelated
    rng = np.random.default_rng(0)  # unrelated melodies: random notes share almost no n-gram

    def tune(n=40):
        return rng.integers(2, 38, n).astype(np.int8)

    shared, opening, chain = tune(), tune(), tune()
    melodies = {
        "a": shared,
        "b": shared.copy(),
        "c": opening,
        "d": np.r_[opening[:32], tune(8)].astype(np.int8),
        "e": chain,
        "f": chain.copy(),
        "g": np.r_[chain[:32], tune(12)].astype(np.int8),
    }
    names = list(melodies) + [f"other{i}" for i in range(23)]
    corpus = make_corpus(names, melodies=list(melodies.values()) + [tune() for _ in range(23)])
    expected = {"a": "a", "b": "a", "c": "c", "d": "c", "e": "e", "f": "e", "g": "e"}
    assert splits.duplicate_groups(corpus) == splits.duplicate_groups(corpus, near=None) == expected
    for seed in range(20):
        parts = splits.split(corpus, seed)
        assert (parts.duplicate_tunes, parts.duplicates, parts.near_duplicates) == (3, 4, 0)
        side_of = {corpus.groups[corpus.melody_piece[i]]: s for s in splits.SIDES for i in getattr(parts, s)}
        assert side_of["a"] == side_of["b"] and side_of["c"] == side_of["d"]
        assert side_of["e"] == side_of["f"] == side_of["g"]


def test_split_needs_three_tunes():
    with pytest.raises(ValueError, match="need melodies from at least 3 tunes to split three ways, found 2"):
        splits.split(make_corpus(["only", "only", "other"]), 0)


def test_official_split_uses_the_csv_split_column(maestro, tmp_path):
    corpus = dataset.prepare(
        maestro_config(maestro.zip, maestro_split="official"), cache_dir=tmp_path / "c", workers=1, progress=False
    )
    parts = splits.split(corpus, 0)
    assert parts.train.tolist() == [0, 1]  # both Alpha performances are `train`
    assert (parts.valid.tolist(), parts.test.tolist()) == ([2], [3])  # validation and test
    assert splits.split(corpus, 99).test.tolist() == [3]  # the seed plays no part
    assert parts.duplicates == 0  # MAESTRO groups by composition, nothing is merged


def test_official_split_with_an_empty_side():
    corpus = make_corpus(["a", "b"], source="maestro", splits=["test", "validation"], maestro_split="official")
    with pytest.raises(ValueError, match="empty side in split: 0 training, 1 validation, 1 test melodies"):
        splits.split(corpus, 0)


def test_collection_table_counts_and_totals():
    # pieces: a0 (2 melodies), a1 (1), b0 (1), b1 (none: a skipped piece), in collections a, a, b, b
    corpus = make_corpus(["a0", "a0", "a1", "b0"], collections=["a", "a", "b"])
    corpus.pieces.append("b1")
    corpus.collections.append("b")
    corpus.melodies[0] = np.zeros(10, dtype=np.int8)
    parts = splits.Split(train=np.asarray([0, 1]), valid=np.asarray([3]), test=np.asarray([2]))
    table = splits.collection_table(corpus, parts)
    expected = pd.DataFrame(
        [
            {
                "collection": "a",
                "pieces": 2,
                "pieces with melodies": 2,
                "melodies": 3,
                "steps": 18,
                "train melodies": 2,
                "valid melodies": 0,
                "test melodies": 1,
            },
            {
                "collection": "b",
                "pieces": 2,
                "pieces with melodies": 1,
                "melodies": 1,
                "steps": 4,
                "train melodies": 0,
                "valid melodies": 1,
                "test melodies": 0,
            },
            {
                "collection": "total",
                "pieces": 4,
                "pieces with melodies": 3,
                "melodies": 4,
                "steps": 22,
                "train melodies": 2,
                "valid melodies": 1,
                "test melodies": 1,
            },
        ]
    )
    assert table.to_dict("records") == expected.to_dict("records")


def test_the_digest_names_the_training_and_validation_melodies_and_nothing_else():
    a, b, c = (np.arange(n, dtype=np.int8) for n in (10, 12, 14))
    assert splits.digest([a, b], [c]) == splits.digest([a.copy(), b.astype(np.int64)], [c])  # values, not dtypes
    others = [
        splits.digest([b, a], [c]),  # order
        splits.digest([a], [b, c]),  # a melody moved to the other side
        splits.digest([a, b], []),  # a melody left out
        splits.digest([a, b[:-1]], [c]),  # an event changed
        splits.digest([np.concatenate([a, b])], [c]),  # two melodies joined
    ]
    assert len({splits.digest([a, b], [c]), *others}) == 1 + len(others)
    corpus = make_corpus([f"tune{i}" for i in range(20)])
    parts = splits.split(corpus, 7)
    assert parts.digest == splits.digest(parts.melodies(corpus, "train"), parts.melodies(corpus, "valid"))
    assert splits.split(corpus, 7).digest == parts.digest and splits.split(corpus, 8).digest != parts.digest
