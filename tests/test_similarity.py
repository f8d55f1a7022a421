"""Tests for melodyreg.data.similarity: notes from events, n-gram sets, and near-copies of a tune."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_splits import make_corpus

from melodyreg import constants as C
from melodyreg.data import similarity, splits

# a reel-like tune: (MIDI pitch, length in 16ths), 32 notes
TUNE = [
    (67, 2), (69, 2), (71, 4), (67, 2), (64, 2), (62, 4), (67, 2), (71, 2),
    (74, 4), (72, 2), (71, 2), (69, 4), (67, 2), (69, 2), (71, 2), (72, 2),
    (74, 2), (76, 2), (74, 4), (71, 2), (67, 2), (69, 4), (64, 2), (62, 2),
    (60, 2), (62, 2), (64, 4), (67, 2), (66, 2), (67, 8), (62, 2), (67, 6),
]  # fmt: skip
OTHER = [
    (60, 4), (64, 2), (65, 2), (67, 4), (72, 4), (71, 2), (67, 2), (65, 2), (64, 2),
    (62, 8), (65, 2), (69, 2), (72, 4), (70, 2), (69, 2), (67, 4), (65, 3), (64, 1),
    (62, 2), (60, 2), (59, 4), (60, 8), (64, 4), (67, 4), (76, 2), (74, 2), (72, 8),
]  # fmt: skip


def encode(notes):
    """Events of a melody of ``(pitch, length)`` notes, each held to its length (no rests)."""
    events = []
    for pitch, length in notes:
        events += [pitch - C.MIN_PITCH + C.NUM_SPECIAL_EVENTS] + [C.CLASS_NO_EVENT] * (length - 1)
    return np.asarray(events + [C.CLASS_NOTE_OFF], dtype=np.int8)


def test_notes_read_pitches_lengths_and_rests_from_events():
    on = C.NUM_SPECIAL_EVENTS
    events = np.asarray([on + 12, 0, 0, 1, 0, on + 14, 0, on + 14, 1], dtype=np.int8)
    pitches, lengths, rests = similarity.notes(events)
    assert pitches.tolist() == [on + 12, on + 14, on + 14]
    assert lengths.tolist() == [3, 2, 1] and rests.tolist() == [2, 0, 0]
    assert all(len(part) == 0 for part in similarity.notes(np.asarray([0, 1, 0], dtype=np.int8)))


def test_a_transposed_copy_is_the_same_tune_and_a_short_melody_matches_nothing():
    up_a_fourth = [(p + 5, n) for p, n in TUNE]
    assert similarity.jaccard([encode(TUNE)], [encode(up_a_fourth)])[0, 0] == 1.0
    short = encode(TUNE[: similarity.NGRAM])  # four notes: three intervals, no 4-gram
    assert similarity.ngrams(short) == set() and similarity.jaccard([short], [short])[0, 0] == 0.0


VARIANTS = {
    # one quarter note played as a turn (four 16ths: upper neighbour, note, lower neighbour, note)
    "ornament": TUNE[:2] + [(72, 1), (71, 1), (69, 1), (71, 1)] + TUNE[3:],
    # a pickup of two 8ths before the first bar, the tune otherwise the same
    "pickup": [(62, 2), (64, 2)] + TUNE,
    # the second half-phrase written an octave lower
    "octave": TUNE[:8] + [(p - 12, n) for p, n in TUNE[8:16]] + TUNE[16:],
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_variants_of_a_tune_reach_the_near_copy_threshold_and_unrelated_tunes_do_not(variant):
    index = similarity.jaccard([encode(TUNE)], [encode(VARIANTS[variant]), encode(OTHER)])[0]
    assert index[0] >= C.NEAR_DUPLICATE > index[1]


def test_near_copies_are_grouped_with_their_tune_and_kept_on_one_side():
    names = ["tune", *VARIANTS, "other"] + [f"filler{i}" for i in range(16)]
    rng = np.random.default_rng(1)
    fillers = [rng.integers(2, 38, 40).astype(np.int8) for _ in range(16)]  # random notes: unrelated
    melodies = [encode(TUNE), *(encode(v) for v in VARIANTS.values()), encode(OTHER), *fillers]
    corpus = make_corpus(names, melodies=melodies)
    assert splits.duplicate_groups(corpus, near=None) == {}  # no exact copy among them
    assert splits.duplicate_groups(corpus) == {name: "tune" for name in ["tune", *VARIANTS]}
    pairs = similarity.similar_pairs(corpus.melodies, C.NEAR_DUPLICATE)
    assert {(i, j) for i, j in pairs} >= {(0, 1), (0, 2), (0, 3)} and all(i < j for i, j in pairs)
    for seed in range(10):
        parts = splits.split(corpus, seed)
        assert (parts.duplicate_tunes, parts.duplicates, parts.near_duplicates) == (1, 3, 3)
        side_of = {corpus.groups[corpus.melody_piece[i]]: s for s in splits.SIDES for i in getattr(parts, s)}
        assert len({side_of[name] for name in ["tune", *VARIANTS]}) == 1


def test_similar_pairs_are_the_same_in_blocks_and_refuse_a_bad_threshold(monkeypatch):
    rng = np.random.default_rng(2)
    melodies = [encode(TUNE), *(encode(v) for v in VARIANTS.values())]
    melodies += [rng.integers(2, 38, 30).astype(np.int8) for _ in range(5)]
    whole = similarity.similar_pairs(melodies, 0.2)
    monkeypatch.setattr(similarity, "BLOCK", 3)
    assert similarity.similar_pairs(melodies, 0.2) == whole
    full = similarity.jaccard(melodies)
    assert set(whole) == {(i, j) for i, j in zip(*np.nonzero(full >= 0.2)) if i < j}
    with pytest.raises(ValueError, match="threshold must be in"):
        similarity.similar_pairs(melodies, 0)


def test_nearest_training_gives_every_held_out_melody_its_closest_training_match():
    names = [f"t{i}" for i in range(30)]
    rng = np.random.default_rng(3)
    corpus = make_corpus(names, melodies=[rng.integers(2, 38, 40).astype(np.int8) for _ in names])
    parts = splits.split(corpus, 0)
    table = splits.nearest_training(corpus, parts)
    assert table.side.tolist() == ["valid"] * len(parts.valid) + ["test"] * len(parts.test)
    expected = similarity.jaccard(parts.melodies(corpus, "test"), parts.melodies(corpus, "train")).max(axis=1)
    np.testing.assert_allclose(table[table.side == "test"].similarity, expected)
    assert table.similarity.between(0, 1).all()
    assert similarity.nearest([], parts.melodies(corpus, "train")).shape == (0,)


def test_scored_pairs_carry_the_matrix_entry_of_each_pair():
    rng = np.random.default_rng(4)
    melodies = [encode(TUNE), *(encode(v) for v in VARIANTS.values()), encode(OTHER)]
    melodies += [rng.integers(2, 38, 30).astype(np.int8), encode(TUNE[:3])]  # the last has no n-gram
    full = similarity.jaccard(melodies)
    scored = similarity.scored_pairs(melodies, 0.01)
    assert [(i, j) for i, j, _ in scored] == similarity.similar_pairs(melodies, 0.01)
    np.testing.assert_allclose([score for _, _, score in scored], [full[i, j] for i, j, _ in scored])
    assert similarity.scored_pairs([], 0.5) == []


def threshold_corpus():
    """The tune, its variants, an exact copy of it under another name, an unrelated tune and random fillers."""
    names = ["tune", *VARIANTS, "copy", "other"] + [f"filler{i}" for i in range(12)]
    rng = np.random.default_rng(5)
    melodies = [encode(TUNE), *(encode(v) for v in VARIANTS.values()), encode(TUNE), encode(OTHER)]
    melodies += [rng.integers(2, 38, 40).astype(np.int8) for _ in range(12)]
    return make_corpus(names, melodies=melodies)


def test_the_threshold_sample_draws_cross_tune_pairs_on_each_side_of_the_threshold():
    corpus = threshold_corpus()
    full = similarity.jaccard(corpus.melodies)
    pairs = [(i, j) for i in range(len(full)) for j in range(i + 1, len(full)) if {i, j} != {0, 4}]  # 4: the copy
    for threshold, band in ((0.8, 0.15), (0.8, 0.75)):  # the band ends below 1.0 (the octave variant), or not
        sample = splits.threshold_sample(corpus, seed=0, threshold=threshold, band=band, count=2)
        above = [p for p in pairs if threshold <= full[p] <= threshold + band]
        below = [p for p in pairs if threshold - band <= full[p] < threshold]
        assert len(above) >= 2 and len(below) >= 3  # the fixture fills both sides
        assert sample.in_band == {"at or above": len(above), "below": len(below)}
        assert (sample.threshold, sample.band, sample.merges) == (threshold, band, True)
        drawn = sample.pairs
        assert drawn.side.tolist() == ["at or above"] * 2 + ["below"] * 2
        for side, expected in (("at or above", above), ("below", below)):
            rows = drawn[drawn.side == side]
            assert set(zip(rows["first"], rows["second"])) <= set(expected)
            assert rows.jaccard.is_monotonic_decreasing
        np.testing.assert_allclose(drawn.jaccard, [full[i, j] for i, j in zip(drawn["first"], drawn["second"])])
        assert drawn["first"].dtype == drawn["second"].dtype == np.int64
        everything = splits.threshold_sample(corpus, 0, threshold, band, count=100).pairs
        assert len(everything) == len(above) + len(below)  # an exact copy's pair is never shown: it is no question
    pd.testing.assert_frame_equal(drawn, splits.threshold_sample(corpus, 0, threshold, band, count=2).pairs)
    below_draws = {
        tuple(map(tuple, splits.threshold_sample(corpus, seed, threshold, band, count=2).pairs.iloc[2:, 2:].values))
        for seed in range(6)
    }
    assert len(below_draws) > 1  # the seed draws, not the order of the pairs
    with pytest.raises(ValueError, match="band"):
        splits.threshold_sample(corpus, 0, threshold=0.2, band=0.2)


def test_the_threshold_sample_is_empty_for_maestro_and_for_a_corpus_without_close_pairs():
    maestro = splits.threshold_sample(make_corpus(["a", "b", "c"], source="maestro"), 0)
    assert maestro.pairs.empty and not maestro.merges and maestro.pairs["first"].dtype == np.int64
    none = splits.threshold_sample(make_corpus(["a", "b", "c"]), 0)  # no melody has an n-gram
    assert none.pairs.empty and none.in_band == {"at or above": 0, "below": 0} and none.merges
    one_side = splits.threshold_sample(threshold_corpus(), 0, threshold=0.98, band=0.03)  # none just below
    assert set(one_side.pairs.side) == {"at or above"} and one_side.pairs["first"].dtype == np.int64
