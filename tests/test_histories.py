"""Numbers read from training histories: final losses, gates, gradient norms."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from melodyreg.evaluation import histories


def history(train_loss, eval_loss, **columns) -> pd.DataFrame:
    """Training rows at iterations 1..n with ``train_loss`` (and ``columns``), then evaluations at the same steps."""
    n = len(train_loss)
    train = pd.DataFrame({"phase": "train", "iteration": range(1, n + 1), "loss": train_loss, **columns})
    held = pd.DataFrame({"phase": "eval", "iteration": range(1, len(eval_loss) + 1), "loss": eval_loss})
    return pd.concat([train, held.assign(perplexity=np.exp(held.loss), accuracy=0.5)], ignore_index=True)


def test_the_final_training_loss_is_the_mean_over_the_last_tenth_of_iterations():
    assert histories.final_train_loss(history([9.0] * 18 + [1.0, 3.0], [2.0])) == 2.0


def test_a_column_a_strategy_does_not_log_has_a_nan_mean():
    frame = pd.DataFrame({"d_accuracy": [0.5, 0.7]})
    assert histories.column_mean(frame, "d_accuracy") == pytest.approx(0.6)
    assert np.isnan(histories.column_mean(frame, "gate_generator"))


def test_the_final_losses_give_each_strategys_last_evaluation_and_whole_training_seconds():
    run = SimpleNamespace(history=history([3.0] * 10, [2.5, 2.0]), seconds=12.6)
    table = histories.final_losses(SimpleNamespace(runs={"baseline": run}))
    assert table.to_dict("records")[0] | {"eval perplexity": None} == {
        "strategy": "baseline",
        "train loss": 3.0,
        "eval loss": 2.0,
        "eval perplexity": None,
        "eval accuracy": 0.5,
        "training seconds": 13,
    }


def test_the_gate_measures_read_professor_forcings_gates_and_the_late_accuracy():
    gates = {"gate_generator": [0, 0, 0, 0, 0, 0, 0, 0, 1, 1], "gate_discriminator": [1] * 5 + [0] * 5}
    run = SimpleNamespace(folder="pf-1", history=history([1.0] * 10, [1.0], d_accuracy=[0.5] * 9 + [0.9], **gates))
    assert histories.gate_measures(run) == pytest.approx(
        {"gate_on": 0.2, "d_updated": 0.5, "d_accuracy": 0.54, "d_accuracy_late": 0.9}
    )
    with pytest.raises(ValueError, match="pf-1 logs no gates"):
        histories.gate_measures(SimpleNamespace(folder="pf-1", history=history([1.0], [1.0])))


def test_gradient_norms_split_steps_by_the_adversarial_gate():
    history = pd.DataFrame(
        {
            "phase": ["eval", "train", "train", "train", "train", "train"],
            "grad_norm": [None, 0.5, 7.0, 0.7, 3.0, 0.6],
            "gate_generator": [None, 0.0, 1.0, 0.0, 1.0, 0.0],
        }
    )
    run = SimpleNamespace(history=history, config=SimpleNamespace(train=SimpleNamespace(clip_norm=5.0)))
    assert histories.gradient_norms(run) == {"on": 5.0, "off": 0.6, "clipped": 0.5, "clip": 5.0}
    plain = SimpleNamespace(history=history.drop(columns="gate_generator"), config=run.config)
    norms = histories.gradient_norms(plain)  # no adversarial term: every step is "off"
    assert np.isnan(norms["on"]) and np.isnan(norms["clipped"]) and norms["off"] == pytest.approx(0.7)
