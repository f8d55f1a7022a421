"""Held-out fit by kind of event, two-sample tests, the exposure-bias curve and the feature comparison."""

import numpy as np
import pytest
import tensorflow as tf

from helpers import seeded_model, toy_batch
from melodyreg import constants as C
from melodyreg.config import ModelConfig
from melodyreg.evaluation import measures
from melodyreg.model import generation, training

MODEL = ModelConfig(layers=(8, 8))


@pytest.fixture(scope="module")
def model():
    return seeded_model(MODEL, seed=4)


def test_heldout_fit_splits_events_by_kind(model):
    batch = toy_batch(batch=6, steps=12, seed=1, lengths=[13, 13, 9, 5, 13, 2])
    fit = measures.heldout_fit(model, batch, chunk=4)
    overall = training.evaluate(model, batch)
    assert fit["nll"] == pytest.approx(overall["loss"], rel=1e-6)
    assert fit["accuracy"] == pytest.approx(overall["accuracy"])
    assert fit["perplexity"] == pytest.approx(np.exp(fit["nll"]))
    # recompute per kind from a teacher-forced pass
    logits, _, _ = model(batch["inputs"])
    nll = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=batch["labels"], logits=logits).numpy()
    labels, mask = batch["labels"].numpy(), batch["mask"].numpy().astype(bool)
    kinds = {
        "note": labels >= C.NUM_SPECIAL_EVENTS,
        "no_event": labels == C.CLASS_NO_EVENT,
        "note_off": labels == C.CLASS_NOTE_OFF,
    }
    for kind, where in kinds.items():
        assert fit[f"nll_{kind}"] == pytest.approx(nll[mask & where].mean(), rel=1e-5)
    # the kinds partition the events: their counts weight back to the overall NLL
    counts = {k: (mask & w).sum() for k, w in kinds.items()}
    assert sum(fit[f"nll_{k}"] * n for k, n in counts.items()) / mask.sum() == pytest.approx(fit["nll"], rel=1e-5)


def test_heldout_fit_refuses_an_empty_set(model):
    batch = toy_batch(batch=2, steps=4, lengths=[1, 1])
    with pytest.raises(ValueError, match="no held-out events"):
        measures.heldout_fit(model, batch)


def test_mmd_and_auc_tell_different_sets_apart_and_not_equal_ones():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(150, 5)), rng.normal(size=(150, 5))
    shifted = rng.normal(size=(150, 5)) + 1.0
    same = measures.two_sample(a, b, seed=1, permutations=100)
    apart = measures.two_sample(a, shifted, seed=1, permutations=100)
    assert 0.35 < same["auc"] < 0.65 and same["mmd_p"] > 0.05
    assert apart["auc"] > 0.9 and apart["mmd_p"] <= 1 / 101 + 1e-12 and apart["mmd"] > same["mmd"]
    assert measures.two_sample(a, b, seed=1, permutations=100) == same  # seeded
    with pytest.raises(ValueError):
        measures.mmd(a[:1], b)


def test_grouped_folds_keep_sequences_together():
    """Two sets that differ only by a per-sequence offset: random folds learn the offsets, grouped ones cannot."""
    rng = np.random.default_rng(4)
    offsets = rng.normal(scale=3.0, size=(20, 1, 16))
    states = (offsets + rng.normal(scale=0.1, size=(20, 30, 16))).reshape(-1, 16)
    sequence = np.repeat(np.arange(20), 30)
    teacher, free = states[sequence % 2 == 0], states[sequence % 2 == 1]
    groups = (sequence[sequence % 2 == 0], sequence[sequence % 2 == 1])
    grouped = measures.two_sample(teacher, free, groups=groups, seed=0, permutations=10)
    loose = measures.two_sample(teacher, free, seed=0, permutations=10)
    assert loose["auc"] > 0.95 and 0.3 < grouped["auc"] < 0.7
    with pytest.raises(ValueError, match="two sequences"):
        measures.two_sample(teacher, free, groups=(np.zeros(len(teacher)), groups[1]))


def test_exposure_curve_by_hand(model):
    rng = np.random.default_rng(2)
    melodies = [rng.integers(0, 38, size=40).astype(np.int32) for _ in range(5)] + [np.zeros(10, np.int32)]
    curve = measures.exposure_curve(model, melodies, prefixes=(1, 4, 8), continuation=6, num=4, seed=3)
    assert curve.prefix.tolist() == [1, 4, 8]
    assert curve.gap.iloc[0] == 0.0  # a prefix of one event is the real first event either way
    np.testing.assert_allclose(curve.gap, curve.own - curve.real)
    np.testing.assert_allclose(curve.excess, curve.own - curve.other)
    # each column is the teacher-forced NLL of events p .. p+5 of the first 4 long melodies after its prefix
    real = np.stack([m[:14] for m in melodies[:4]])
    own = generation.continue_classes(model, real[:, :1], 8, seed=3)  # the model's free run from each first event
    other = np.roll(real, -1, axis=0)  # the next melody's beginning
    for column, prefixes in (("real", real), ("own", own), ("other", other)):
        for p, value in zip(curve.prefix, curve[column]):
            sequence = np.concatenate([prefixes[:, :p], real[:, p:14]], axis=1)
            log_p = generation.teacher_forced_log_probs(model, sequence)  # [4, 13]: log p(event t + 1)
            assert value == pytest.approx(-log_p[:, p - 1 : p + 5].mean(), rel=1e-5), (column, p)
    assert (own[:, 0] == real[:, 0]).all() and not np.array_equal(own[:, 1:8], real[:, 1:8])
    with pytest.raises(ValueError, match="need at least two melodies"):
        measures.exposure_curve(model, melodies, prefixes=(1, 64), continuation=32)
    with pytest.raises(ValueError, match="at least 1"):
        measures.exposure_curve(model, melodies, prefixes=(0, 4))


def test_feature_comparison_of_a_set_with_itself_overlaps():
    rng = np.random.default_rng(5)
    real = [list(rng.choice([60, 62, 64, 65, 67, -2, -2, -1], size=64)) for _ in range(30)]
    odd = [[48, -2] * 32 for _ in range(10)]  # one low note repeated: nothing like the others
    close = measures.feature_comparison(real[:10], real[10:])
    far = measures.feature_comparison(odd, real[10:])
    assert close.feature.tolist() == far.feature.tolist() and len(close) == 9
    assert close.overlap.mean() > far.overlap.mean() + 0.3
    assert (close.kl >= 0).all() and far.kl.mean() > close.kl.mean()
    with pytest.raises(ValueError):
        measures.feature_comparison([], real)


def test_mmd_matches_the_unbiased_estimate_written_out():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(6, 2)), rng.normal(size=(5, 2)) + 0.5
    value, _ = measures.mmd(x, y, permutations=5, seed=0)
    pooled = np.concatenate([x, y])
    distances = np.sqrt(((pooled[:, None] - pooled[None]) ** 2).sum(-1))
    bandwidth = np.median(distances[np.triu_indices(11, 1)])
    k = lambda a, b: np.exp(-((a - b) ** 2).sum() / (2 * bandwidth**2))  # noqa: E731
    xx = sum(k(x[i], x[j]) for i in range(6) for j in range(6) if i != j) / 30
    yy = sum(k(y[i], y[j]) for i in range(5) for j in range(5) if i != j) / 20
    xy = sum(k(a, b) for a in x for b in y) / 30
    assert value == pytest.approx(xx + yy - 2 * xy, rel=1e-7)


def test_the_mmd_permutes_whole_sequences_when_given_them():
    """Steps of one sequence are near-copies: relabelling single steps makes a p-value far too small."""
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(20, 3))  # 20 sequences from one distribution, 15 identical steps each
    states = np.repeat(centres, 15, axis=0)
    sequence = np.repeat(np.arange(20), 15)
    x, y = states[sequence < 10], states[sequence >= 10]
    gx, gy = sequence[sequence < 10], sequence[sequence >= 10]
    _, p_steps = measures.mmd(x, y, permutations=200, seed=1)
    _, p_sequences = measures.mmd(x, y, groups=(gx, gy), permutations=200, seed=1)
    assert p_steps < 0.05  # a false alarm: two samples of one distribution called different
    assert p_sequences > 0.05
    assert measures.mmd(x, y, groups=(gx, gy), permutations=200, seed=1) == (measures.mmd(x, y)[0], p_sequences)


def test_usable_prefixes_stop_where_too_few_melodies_are_long_enough():
    melodies = [np.zeros(n) for n in [300] * 3 + [100] * 5]
    assert measures.usable_prefixes(melodies, (1, 16, 64, 256), continuation=32, minimum=3) == (1, 16, 64, 256)
    assert measures.usable_prefixes(melodies, (1, 16, 64, 256), continuation=32, minimum=4) == (1, 16, 64)
    assert measures.usable_prefixes(melodies, (256, 1), continuation=32, minimum=9) == (1,)  # too few at all


def test_paired_samples_keep_a_sequence_s_two_sides_in_one_fold_and_swap_sides_in_the_null():
    """Sides that differ only by each sequence's own offset, shared by its two sides: nothing to find."""
    rng = np.random.default_rng(5)
    offsets = rng.normal(scale=3.0, size=(20, 1, 8))
    teacher = (offsets + rng.normal(scale=0.1, size=(20, 10, 8))).reshape(-1, 8)
    free = (offsets + rng.normal(scale=0.1, size=(20, 10, 8))).reshape(-1, 8)
    sequence = np.repeat(np.arange(20), 10)
    paired = measures.two_sample(teacher, free, groups=(sequence, sequence), paired=True, seed=0, permutations=50)
    assert 0.3 < paired["auc"] < 0.7 and paired["mmd_p"] > 0.05
    # a shift every sequence shares on its free side: the paired null finds it though the offsets dwarf it,
    # a null that moves whole sequences between unpaired sides does not
    shifted = measures.two_sample(
        teacher, free + 0.5, groups=(sequence, sequence), paired=True, seed=0, permutations=50
    )
    assert shifted["mmd_p"] <= 1 / 51 + 1e-12 and shifted["auc"] > paired["auc"]
    _, unpaired_p = measures.mmd(teacher, free + 0.5, groups=(sequence, sequence + 20), permutations=50, seed=0)
    assert unpaired_p > 0.05
    with pytest.raises(ValueError, match="row i of both sides"):
        measures.mmd(teacher, free, groups=(sequence, sequence[::-1]), paired=True)
    with pytest.raises(ValueError, match="row i of both sides"):
        measures.mmd(teacher, free, paired=True)
