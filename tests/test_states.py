"""Hidden-state subsampling: seeded, without replacement, never more than there are."""

from __future__ import annotations

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from melodyreg.evaluation import states


def test_subsample_is_seeded_distinct_and_capped():
    first = states.subsample(np.random.default_rng(3), 100, 10)
    again = states.subsample(np.random.default_rng(3), 100, 10)
    assert first.tolist() == again.tolist() and len(set(first.tolist())) == 10 and first.max() < 100
    assert sorted(states.subsample(np.random.default_rng(0), 5, 10).tolist()) == [0, 1, 2, 3, 4]


def test_tsne_frame_embeds_each_strategy_with_both_sets_named():
    rng = np.random.default_rng(0)
    sets = {"baseline": (rng.normal(size=(12, 4)), rng.normal(size=(8, 4)) + 5)}
    with threadpool_limits(1, user_api="openmp"):  # OpenMP threads spin on a busy 2-core machine: 10 s, not 0.1 s
        frame = states.tsne_frame(sets, seed=1)
    assert isinstance(frame, pd.DataFrame) and len(frame) == 20
    assert frame.states.value_counts().to_dict() == {"training (teacher-forced)": 12, "generation (free-running)": 8}
    assert set(frame.strategy) == {"baseline"}  # by name: the chart shows the label


def _model():
    from helpers import seeded_model
    from melodyreg.config import ModelConfig

    return seeded_model(ModelConfig(layers=(8, 8)), seed=6)


def test_matched_states_share_the_opening_and_part_only_where_the_inputs_do():
    from melodyreg.model import generation

    model = _model()
    real = np.random.default_rng(1).integers(2, 20, size=(3, 12)).astype(np.int32)
    teacher, free = states.matched_states(model, real, 4, seed=2)
    assert teacher.shape == free.shape == (3, 8, 16)
    whole = generation.teacher_forced_states(model, real)
    np.testing.assert_array_equal(teacher, whole[:, 4:])  # the teacher side: the real melody's positions 4..11
    continued = generation.continue_from(model, real[:, :4], 12, seed=2)
    np.testing.assert_allclose(continued.hidden[:, :4], whole[:, :4], atol=1e-5)  # one opening on both sides
    # the free side is what the network's own continuation gives when read teacher-forced: the same network
    np.testing.assert_allclose(free, generation.teacher_forced_states(model, continued.classes)[:, 4:], atol=1e-5)


def test_matched_tests_are_paired_seeded_and_nan_without_two_melodies():
    model = _model()
    rng = np.random.default_rng(3)
    train, test = (rng.integers(2, 20, size=(6, 20)).astype(np.int32) for _ in range(2))
    options = {"opening": 4, "per_side": 40, "seed": 1, "permutations": 10}
    found = states.matched_tests(model, train, test, **options)
    assert set(found) == set(states.MATCHED_NAN) and all(
        0 <= found[k] <= 1 for k in ("matched_auc", "matched_memo_auc")
    )
    assert states.matched_tests(model, train, test, **options) == found
    # the same melodies on the test side: memorization is nil by construction, the AUC near or below chance
    assert states.matched_tests(model, train, train, **options)["matched_memo_mmd"] < found["matched_memo_mmd"] + 1e-9
    empty = states.matched_tests(model, train[:1], test, **options)
    assert all(np.isnan(v) for v in empty.values())
