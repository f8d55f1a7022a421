"""The evaluation's comparison from a chapter's parameters: the pipeline's pieces that need no training."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from melodyreg import protocol
from melodyreg.evaluation import comparison
from melodyreg.runs import study


def test_the_tsne_states_are_the_profiles_unless_a_count_is_asked_for():
    assert comparison.tsne_states("smoke") == protocol.TSNE_STATES["smoke"] == 200
    assert comparison.tsne_states("poster", 300) == 300


@pytest.mark.parametrize(("profile", "requested", "message"), [("huge", None, "huge"), ("smoke", 0, "at least 1")])
def test_an_unknown_profile_or_a_count_below_one_is_refused(profile, requested, message):
    with pytest.raises(ValueError, match=message):
        comparison.tsne_states(profile, requested)


def test_rule_runs_keeps_the_rows_of_one_selection_rule():
    measured = pd.DataFrame({"rule": ["nll", "quality", "nll"], "seed": [1, 1, 2]})
    assert comparison.rule_runs(measured, "nll").seed.tolist() == [1, 2]
    assert comparison.rule_runs(measured, "quality").seed.tolist() == [1]


def test_every_run_lists_the_defaults_the_grid_the_designs_the_final_comparison_and_seqgan_s_baselines(
    monkeypatch,
):
    final = SimpleNamespace(
        runs={"baseline": "b"},
        grid=[{"run": "g1"}, {"run": "sg"}],
        designs={"raw": "d"},
        final={("nll", "b", 1): "f"},
        published={1: "p"},  # professor forcing as Lamb et al. published it
    )
    monkeypatch.setattr(study, "pretraining_run", lambda s, run: "pre-sg" if run == "sg" else None)
    assert comparison.every_run(final) == ["b", "g1", "sg", "d", "f", "p", "pre-sg"]


def test_without_a_setting_of_the_quality_rule_for_every_strategy_there_are_no_quality_verdicts():
    measured = pd.DataFrame({"rule": ["nll", "nll", "quality"], "strategy": ["baseline", "dropout", "baseline"]})
    assert comparison.quality_verdicts(measured, None, pd.DataFrame()) is None
    assert comparison.quality_verdicts(measured[measured.rule == "nll"], None, pd.DataFrame()) is None


def test_evaluate_names_a_missing_parameter_before_it_trains_anything(monkeypatch):
    monkeypatch.setattr(study, "run_study", lambda *a, **k: pytest.fail("trained with a parameter missing"))
    with pytest.raises(KeyError, match="melody_steps, temperature"):
        comparison.evaluate({"num_melodies": 10, "tsne_states": None})
