"""Tests for melodyreg.protocol: seeds per profile and an equal tuning budget over each strategy's own knobs."""

from __future__ import annotations

import pytest

from melodyreg import config, protocol
from melodyreg.model.strategies import inverse_sigmoid


def test_study_seeds_per_profile():
    assert protocol.study_seeds("full", 10) == (10, 11, 12, 13, 14)
    assert protocol.study_seeds("poster", 2017) == (2017,)
    assert protocol.study_seeds("smoke", 1, num_seeds=3) == (1, 2, 3)
    # the tuned protocol's final seeds are fresh: the tuning runs train at the study's seed
    assert protocol.study_seeds("full", 10, tuned=True) == (11, 12, 13, 14, 15)
    assert 10 not in protocol.study_seeds("smoke", 10, tuned=True)
    # every setting that gets a verdict gets at least the seeds a verdict needs
    assert protocol.QUALITY_SEEDS["full"] >= protocol.MIN_SEEDS and protocol.NUM_SEEDS["full"] >= protocol.MIN_SEEDS
    with pytest.raises(ValueError, match="num_seeds"):
        protocol.study_seeds("full", 1, num_seeds=0)
    with pytest.raises(ValueError, match="unknown profile"):
        protocol.study_seeds("huge", 1)
    assert set(protocol.TUNING) == set(config.TRAIN_PROFILES) == set(config.PROFILES) == set(protocol.NUM_SEEDS)


@pytest.mark.parametrize("profile", ["smoke", "full"])
def test_every_regularizer_gets_the_same_tuning_budget_over_its_own_knobs(profile):
    grid = protocol.TUNING[profile]
    assert "baseline" not in grid  # no knob of its own: it spends no budget
    budgets = {name: len(settings) for name, settings in grid.items()}
    assert set(budgets) == {"dropout", "scheduled_sampling", "professor_forcing"} and len(set(budgets.values())) == 1
    if profile == "full":
        assert budgets["dropout"] >= 6
    for name, settings in grid.items():
        configs = [config.experiment_config(profile, name, **extra) for extra in settings]
        assert len(set(configs)) == len(configs), name  # distinct settings
        for extra in settings:
            assert set(extra) <= set(config.OWN_KNOBS[name]), (name, extra)
    if profile == "full":  # final epsilon from about 0.9 down to about 0, and one schedule with a floor
        ss = config.experiment_config("full", "scheduled_sampling")
        finals = [
            max(e.get("ss_floor", 0.0), inverse_sigmoid(ss.train.iterations, e["ss_k"]))
            for e in grid["scheduled_sampling"]
        ]
        assert max(finals) > 0.85 and min(finals) < 0.01
        assert any(e.get("ss_floor", 0) > 0 for e in grid["scheduled_sampling"])
