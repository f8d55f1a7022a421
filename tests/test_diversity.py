"""Quality and diversity measures, with expectations computed by hand: a constant generator has no
diversity and little overlap; a sampler from the real set scores like the real set."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import seeded_model
from melodyreg.config import ModelConfig
from melodyreg.constants import MELODY_NO_EVENT as NO_EVENT
from melodyreg.evaluation import diversity
from melodyreg.model import generation

SCALE = (60, 62, 64, 65, 67, 69, 71, 72)


def melody(pitches, length: int = 2) -> list[int]:
    """Each pitch held for ``length`` sixteenth notes."""
    events = []
    for p in pitches:
        events += [p] + [NO_EVENT] * (length - 1)
    return events


def real_population(count: int, seed: int) -> list[list[int]]:
    """Random tunes on the C major scale with random note lengths: a stand-in for a real corpus."""
    rng = np.random.default_rng(seed)
    tunes = []
    for _ in range(count):
        events = []
        while len(events) < 64:
            events += melody([int(rng.choice(SCALE))], int(rng.choice([1, 2, 4])))
        tunes.append(events[:64])
    return tunes


def test_interval_ngrams_by_hand():
    assert diversity.interval_ngrams(melody([60, 62, 64, 65, 67])) == [(2, 2, 1, 2)]
    assert diversity.interval_ngrams(melody([60, 62, 64, 65])) == []  # three intervals: no 4-gram


def test_distinct_ngrams_by_hand():
    one_note = melody([60] * 8)  # intervals 0 × 7: four (0, 0, 0, 0) patterns
    assert diversity.distinct_ngrams([one_note, one_note]) == 0.0
    scale = melody([60, 62, 64, 65, 67, 69])  # intervals 2 2 1 2 2: (2,2,1,2), (2,1,2,2)
    assert diversity.distinct_ngrams([scale, scale]) == pytest.approx((2 - 1) / (4 - 1))
    assert diversity.distinct_ngrams([scale]) == 1.0  # two patterns, both distinct
    assert np.isnan(diversity.distinct_ngrams([melody([60, 62])]))


def test_a_constant_generator_has_zero_diversity_and_little_overlap():
    real = real_population(40, seed=1)
    constant = [melody([60] * 32)] * 40
    measures = diversity.set_measures(constant, real)
    assert measures["intra_ratio"] == 0.0  # every generated melody alike, on every feature
    assert measures["distinct_4grams"] == 0.0
    assert measures["overlap_intra"] < 0.2  # its intra-set distances are nothing like the real set's
    assert measures["overlap_gen_inter"] < 0.2  # all zero, far from its distances to real melodies
    assert measures["overlap"] < 0.5


def test_a_sampler_from_the_real_set_scores_like_the_real_set():
    real = real_population(100, seed=1)
    sampled = real_population(100, seed=2)  # more draws from the same population
    measures = diversity.set_measures(sampled, real)
    assert measures["intra_ratio"] == pytest.approx(1.0, abs=0.15)
    assert measures["overlap"] > 0.8 and measures["overlap_intra"] > 0.8 and measures["overlap_gen_inter"] > 0.8
    assert measures["distinct_4grams"] > 0.5


def test_yang_lerch_compares_the_three_distributions_per_feature():
    real = real_population(20, seed=3)
    table = diversity.yang_lerch(real_population(20, seed=4), real)
    assert list(table.feature) == list(diversity.FEATURES)
    assert table[["overlap_inter", "overlap_intra"]].stack().between(0, 1).all()
    with pytest.raises(ValueError, match="need two or more melodies per set, got 1 and 20"):
        diversity.yang_lerch(real[:1], real)


def test_cross_nll_under_the_generating_model_is_its_own_mean_nll():
    model = seeded_model(ModelConfig(layers=(8, 8)))
    sampled = generation.generate(model, num=4, steps=12, seed=5)
    assert diversity.cross_nll(model, sampled.classes, 1) == pytest.approx(-sampled.log_probs.mean(), rel=1e-5)
    # a longer primer leaves its events unscored
    assert diversity.cross_nll(model, sampled.classes, 3) == pytest.approx(-sampled.log_probs[:, 2:].mean(), rel=1e-5)
