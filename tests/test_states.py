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


def test_tsne_frame_embeds_each_strategy_with_both_sets_labelled():
    rng = np.random.default_rng(0)
    sets = {"baseline": (rng.normal(size=(12, 4)), rng.normal(size=(8, 4)) + 5)}
    with threadpool_limits(1, user_api="openmp"):  # OpenMP threads spin on a busy 2-core machine: 10 s, not 0.1 s
        frame = states.tsne_frame(sets, seed=1)
    assert isinstance(frame, pd.DataFrame) and len(frame) == 20
    assert frame.states.value_counts().to_dict() == {"training (teacher-forced)": 12, "generation (free-running)": 8}
    assert set(frame.strategy) == {"Baseline"}
