"""Symbolic-music features and Yang & Lerch's set comparison, against hand-computed values."""

import numpy as np
import pytest

from melodyreg.data.melodies import notes
from melodyreg.evaluation import features

# C (2 steps), D (2), E (1), rest (1), C (4): onsets 0, 2, 4, 6
MELODY = [60, -2, 62, -2, 64, -1, 60, -2, -2, -2]


def test_notes_are_read_with_onsets_and_lengths():
    assert notes(MELODY) == [(60, 0, 2), (62, 2, 2), (64, 4, 1), (60, 6, 4)]
    assert notes([-2, -1, -2]) == []


def test_scalar_features_by_hand():
    f = features.melody_features(MELODY)
    assert f["pitch_count"] == 3
    assert f["pitch_range"] == 4
    assert f["mean_interval"] == pytest.approx(8 / 3)  # |2| + |2| + |-4| over 3 intervals
    assert f["note_count"] == 4
    assert f["mean_ioi"] == 2.0
    assert f["repetition"] == 0.0  # one interval pattern (2, 2, -4), seen once


def test_histograms_and_transitions_by_hand():
    f = features.melody_features(MELODY)
    expected_pch = np.zeros(12)
    expected_pch[[0, 2, 4]] = [0.5, 0.25, 0.25]
    np.testing.assert_allclose(f["pitch_class_histogram"], expected_pch)
    transitions = np.zeros((12, 12))
    transitions[0, 2] = transitions[2, 4] = transitions[4, 0] = 1 / 3
    np.testing.assert_allclose(f["pitch_class_transitions"], transitions)
    # lengths 2, 2, 1, 4 fall in the bins of 2, 2, 1 and 4 steps (indices 1, 1, 0, 3)
    np.testing.assert_allclose(f["note_length_histogram"], [0.25, 0.5, 0, 0.25, 0, 0, 0, 0, 0])


def test_repetition_counts_repeated_interval_patterns():
    melody = []
    for pitch in [60, 62, 64, 60, 62, 64, 60]:
        melody += [pitch, -2]
    # intervals 2, 2, -4, 2, 2, -4: patterns (2,2,-4) twice, (2,-4,2) and (-4,2,2) once -> 2 of 4
    assert features.melody_features(melody)["repetition"] == 0.5


def test_long_notes_fall_in_the_last_bin_and_empty_melodies_give_zeros():
    f = features.melody_features([60] + [-2] * 19)
    assert f["note_length_histogram"][-1] == 1.0
    empty = features.melody_features([-2] * 8)
    assert empty["note_count"] == 0 and empty["pitch_range"] == 0 and empty["pitch_class_histogram"].sum() == 0


def test_feature_matrix_shapes_and_errors():
    assert features.feature_matrix([MELODY, MELODY], "pitch_class_transitions").shape == (2, 144)
    assert features.feature_matrix([MELODY], "pitch_range").shape == (1, 1)
    with pytest.raises(ValueError, match="unknown feature 'tempo'"):
        features.feature_matrix([MELODY], "tempo")
    with pytest.raises(ValueError, match="no melodies"):
        features.feature_matrix([], "pitch_range")


def test_intra_and_inter_set_distances_by_hand():
    np.testing.assert_allclose(features.intra_distances(np.array([[0.0], [3.0], [4.0]])), [3, 4, 1])
    np.testing.assert_allclose(features.inter_distances(np.array([[0.0], [1.0]]), np.array([[3.0]])), [3, 2])
    np.testing.assert_allclose(features.intra_distances(np.array([[0.0, 0.0], [3.0, 4.0]])), [5.0])


def test_overlap_and_kl_of_equal_and_of_distant_distributions():
    rng = np.random.default_rng(0)
    a = rng.normal(0, 1, 400)
    same_overlap, same_kl = features.overlap_and_kl(a, a)
    assert same_overlap == pytest.approx(1.0, abs=1e-6) and same_kl == pytest.approx(0.0, abs=1e-6)
    far_overlap, far_kl = features.overlap_and_kl(a, a + 20)
    assert far_overlap < 0.01 and far_kl > 5
    near_overlap, near_kl = features.overlap_and_kl(a, rng.normal(0.5, 1, 400))
    assert far_overlap < near_overlap < same_overlap and same_kl < near_kl < far_kl


def test_overlap_handles_a_constant_sample():
    overlap, kl = features.overlap_and_kl(np.zeros(10), np.zeros(10))
    assert overlap == pytest.approx(1.0, abs=1e-6) and kl == pytest.approx(0.0, abs=1e-6)
