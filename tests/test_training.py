"""The shared training loop: batches, evaluation, reproducibility, resume, learning, and bad settings."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from conftest import seeded_model, tiny_config, weights_of
from melodyreg import config
from melodyreg.model import training
from melodyreg.config import ModelConfig

LOG_38 = math.log(38)


def toy_melodies(lengths=(40, 25, 60, 5)) -> list[np.ndarray]:
    """Melodies whose windows identify where they were cut: melody i counts up from 2 + 3i (mod 36)."""
    return [((np.arange(n) + 3 * i) % 36 + 2).astype(np.int8) for i, n in enumerate(lengths)]


def as_numpy(batch: dict) -> dict:
    return {k: v.numpy() for k, v in batch.items()}


# ---------------------------------------------------------------------------
# Batches
# ---------------------------------------------------------------------------

def test_batcher_is_a_pure_function_of_seed_and_iteration():
    melodies = toy_melodies()
    batcher = training.Batcher(melodies, window=8, batch_size=6, seed=3)
    first = as_numpy(batcher.batch(4))
    for again in (batcher.batch(4), training.Batcher(melodies, 8, 6, 3).batch(4)):
        for key, value in as_numpy(again).items():
            np.testing.assert_array_equal(value, first[key])
    assert not np.array_equal(as_numpy(batcher.batch(5))["inputs"], first["inputs"])
    assert not np.array_equal(as_numpy(training.Batcher(melodies, 8, 6, 4).batch(4))["inputs"], first["inputs"])


def test_batcher_cuts_contiguous_windows_with_labels_shifted_by_one():
    melodies = toy_melodies()
    batch = as_numpy(training.Batcher(melodies, window=8, batch_size=32, seed=0).batch(0))
    assert batch["inputs"].shape == batch["labels"].shape == batch["mask"].shape == (32, 8)
    for inputs, labels, mask in zip(batch["inputs"], batch["labels"], batch["mask"]):
        n = int(mask.sum())
        np.testing.assert_array_equal(inputs[1:n], labels[:n - 1])
        window = np.concatenate([inputs[:1], labels[:n]])
        assert any(np.array_equal(m[s:s + n + 1], window) for m in melodies for s in range(len(m) - n))


def test_batcher_pads_and_masks_short_melodies():
    batch = as_numpy(training.Batcher([np.array([2, 3, 4, 5, 6], np.int8)], window=8, batch_size=3, seed=0).batch(0))
    np.testing.assert_array_equal(batch["inputs"], [[2, 3, 4, 5, 6, 0, 0, 0]] * 3)  # the last input is masked
    np.testing.assert_array_equal(batch["labels"], [[3, 4, 5, 6, 0, 0, 0, 0]] * 3)
    np.testing.assert_array_equal(batch["mask"], [[1, 1, 1, 1, 0, 0, 0, 0]] * 3)
    assert batch["inputs"].dtype == np.int32 and batch["mask"].dtype == np.float32


def test_batcher_mixes_full_and_short_windows():
    melodies = [np.arange(2, 32).astype(np.int8), np.array([33, 34, 35], np.int8)]
    batch = as_numpy(training.Batcher(melodies, window=8, batch_size=64, seed=1).batch(0))
    short = batch["inputs"][:, 0] == 33
    assert short.any() and (~short).any()
    np.testing.assert_array_equal(batch["mask"][short].sum(axis=1), 2)  # 3 events: 2 transitions
    np.testing.assert_array_equal(batch["mask"][~short].sum(axis=1), 8)


def test_batcher_draws_melodies_in_proportion_to_their_length():
    melodies = [np.full(10, 2, np.int8), np.full(90, 3, np.int8)]
    picks = as_numpy(training.Batcher(melodies, window=4, batch_size=4000, seed=0).batch(0))["inputs"][:, 0]
    assert abs((picks == 3).mean() - 0.9) < 0.02


def test_batcher_refuses_an_empty_dataset_and_single_event_melodies():
    with pytest.raises(ValueError, match="no training melodies: the dataset is empty"):
        training.Batcher([], window=8, batch_size=4, seed=0)
    with pytest.raises(ValueError, match="at least 2 events"):
        training.Batcher([np.arange(2, 12), np.array([5])], window=8, batch_size=4, seed=0)


# ---------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------

def test_eval_windows_cover_every_transition_once_hand_example():
    melodies = [np.arange(2, 12, dtype=np.int8), np.arange(20, 29, dtype=np.int8)]  # 10 and 9 events
    batch = as_numpy(training.eval_windows(melodies, window=4, limit=100))
    np.testing.assert_array_equal(batch["inputs"], [[2, 3, 4, 5], [6, 7, 8, 9], [10, 11, 0, 0],
                                                     [20, 21, 22, 23], [24, 25, 26, 27]])
    np.testing.assert_array_equal(batch["labels"], [[3, 4, 5, 6], [7, 8, 9, 10], [11, 0, 0, 0],
                                                    [21, 22, 23, 24], [25, 26, 27, 28]])
    np.testing.assert_array_equal(batch["mask"], [[1, 1, 1, 1], [1, 1, 1, 1], [1, 0, 0, 0],
                                                  [1, 1, 1, 1], [1, 1, 1, 1]])
    # every transition of every melody is scored exactly once: (10 - 1) + (9 - 1)
    scored = sorted(batch["labels"][batch["mask"] > 0].tolist())
    assert scored == list(range(3, 12)) + list(range(21, 29))


def test_eval_windows_stop_at_the_limit_in_order():
    melodies = [np.arange(2, 12, dtype=np.int8), np.arange(20, 29, dtype=np.int8)]
    batch = as_numpy(training.eval_windows(melodies, window=4, limit=2))
    np.testing.assert_array_equal(batch["inputs"], [[2, 3, 4, 5], [6, 7, 8, 9]])


def test_eval_windows_refuse_an_empty_held_out_set():
    with pytest.raises(ValueError, match="held-out set is empty"):
        training.eval_windows([], window=4, limit=10)


def test_evaluate_a_model_of_zero_weights_gives_the_uniform_loss():
    model = seeded_model(ModelConfig(layers=(8, 8)))
    for variable in model.variables:
        variable.assign(tf.zeros_like(variable))
    # labels 0, 0, 7, 0, 9 (class indices): the zero model's argmax is class 0, right 3 times of 5
    batch = training.eval_windows([np.array([5, 0, 0, 7, 0, 9], np.int8)], window=8, limit=10)
    metrics = training.evaluate(model, batch)
    assert metrics["loss"] == pytest.approx(LOG_38, rel=1e-6)
    assert metrics["perplexity"] == pytest.approx(38.0, rel=1e-5)
    assert metrics["accuracy"] == pytest.approx(3 / 5)
    # the same model on windows of another length (once broken by retracing with a relaxed shape)
    other = training.evaluate(model, training.eval_windows(toy_melodies(), window=4, limit=100))
    assert other["loss"] == pytest.approx(LOG_38, rel=1e-6)


def test_evaluate_weights_chunks_by_their_events_and_ignores_dropout():
    dropout_model = seeded_model(ModelConfig(layers=(8, 8), dropout_rate=0.5))
    twin = seeded_model(ModelConfig(layers=(8, 8)), seed=5)
    for mine, theirs in zip(twin.variables, dropout_model.variables):
        mine.assign(theirs)
    batch = training.eval_windows(toy_melodies(lengths=(40, 3, 25, 2, 60)), window=8, limit=100)
    whole = training.evaluate(twin, batch)
    chunked = training.evaluate(twin, batch, chunk=3)  # chunks with unequal numbers of events
    for key in ("loss", "perplexity", "accuracy"):
        assert chunked[key] == pytest.approx(whole[key], rel=1e-6)
    assert training.evaluate(dropout_model, batch) == whole
    logits, _, _ = twin(batch["inputs"])
    nll = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=batch["labels"], logits=logits).numpy()
    mask = batch["mask"].numpy()
    assert whole["loss"] == pytest.approx((nll * mask).sum() / mask.sum(), rel=1e-5)


# ---------------------------------------------------------------------------
# Reproducibility and resume
# ---------------------------------------------------------------------------

def test_same_seed_gives_the_same_history(folk_sides, tmp_path):
    run = tiny_config("scheduled_sampling")
    evals = []
    _, first = training.train(run, *folk_sides, tmp_path / "a", progress=False,
                              on_eval=lambda i, m: evals.append((i, m["loss"])))
    strategy, second = training.train(run, *folk_sides, tmp_path / "b", progress=False)
    pd.testing.assert_frame_equal(first, second, check_exact=True)

    train_rows, eval_rows = first[first.phase == "train"], first[first.phase == "eval"]
    assert train_rows.iteration.tolist() == list(range(1, 13))
    assert eval_rows.iteration.tolist() == [0, 4, 8, 12]
    assert [i for i, _ in evals] == [0, 4, 8, 12]
    assert [loss for _, loss in evals] == eval_rows.loss.tolist()
    assert {"loss", "accuracy", "grad_norm", "epsilon", "own_input_share", "perplexity"} <= set(first.columns)
    # the last evaluation is the trained model on the held-out windows
    held_out = training.eval_windows(folk_sides[1], run.train.window, run.train.eval_windows)
    assert training.evaluate(strategy.model, held_out)["loss"] == eval_rows.loss.iloc[-1]

    _, other_seed = training.train(tiny_config("scheduled_sampling", seed=7), *folk_sides, tmp_path / "c",
                                   progress=False)
    assert not np.allclose(other_seed[other_seed.phase == "train"].loss, train_rows.loss)


@pytest.mark.parametrize("strategy", ["baseline", "scheduled_sampling", "professor_forcing"])
def test_resume_is_the_same_as_an_uninterrupted_run(strategy, folk_sides, tmp_path):
    run = tiny_config(strategy)  # 12 iterations, checkpoints every 5, evaluations every 4
    full, full_history = training.train(run, *folk_sides, tmp_path / "full", progress=False)

    _, partial = training.train(run, *folk_sides, tmp_path / "resumed", progress=False, stop_after=5)
    assert partial.iteration.max() == 5
    pd.testing.assert_frame_equal(partial, full_history[full_history.iteration <= 5].reset_index(drop=True),
                                  check_exact=True)
    assert json.loads((tmp_path / "resumed" / "checkpoint.json").read_text())["iteration"] == 5
    stopped = dict(np.load(tmp_path / "resumed" / "checkpoint.npz"))
    first_session = training.Checkpoint(tmp_path / "resumed").seconds()

    resumed, resumed_history = training.train(run, *folk_sides, tmp_path / "resumed", progress=False)
    assert training.Checkpoint(tmp_path / "resumed").seconds() > first_session > 0  # time adds up over sessions
    pd.testing.assert_frame_equal(resumed_history, full_history, check_exact=True)
    assert len(resumed.variables) == len(full.variables)
    for a, b in zip(weights_of(resumed.variables), weights_of(full.variables)):
        assert np.array_equal(a, b)
    # from iteration 5 it trained on: every trainable weight moved (the discriminator's too, in the compiled graph)
    index = {id(v): i for i, v in enumerate(resumed.variables)}
    trainable = resumed.model.trainable_variables
    if strategy == "professor_forcing":
        trainable = trainable + resumed.discriminator.trainable_variables
    for variable in trainable:
        assert not np.array_equal(stopped[f"v{index[id(variable)]}"], variable.numpy()), variable.path
    # a finished run is restored, not trained again
    again, again_history = training.train(run, *folk_sides, tmp_path / "resumed", progress=False)
    pd.testing.assert_frame_equal(again_history, full_history, check_exact=True)
    for a, b in zip(weights_of(again.variables), weights_of(full.variables)):
        assert np.array_equal(a, b)


def test_a_checkpoint_of_another_strategy_is_refused(tmp_path):
    baseline = tiny_config("baseline")
    training.Checkpoint(tmp_path).save(training.strategies.make(seeded_model(baseline.model), baseline), 3, [])
    pf_config = tiny_config("professor_forcing")
    pf = training.strategies.make(seeded_model(pf_config.model), pf_config)
    with pytest.raises(ValueError, match="was the config changed"):
        training.Checkpoint(tmp_path).restore(pf)


# ---------------------------------------------------------------------------
# Learning on real melodies
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("strategy", ["baseline", "dropout", "scheduled_sampling", "professor_forcing"])
def test_every_strategy_learns_the_folk_melodies(strategy, folk_sides, tmp_path):
    iterations = 100
    run = config.experiment_config("smoke", strategy, layers=(32, 32), batch_size=16, window=16,
                                   iterations=iterations, eval_every=iterations, eval_windows=64,
                                   checkpoint_every=iterations, pf_units=16)
    _, history = training.train(run, *folk_sides, tmp_path, progress=False)
    train_loss = history[history.phase == "train"].loss.to_numpy()
    evals = history[history.phase == "eval"]
    assert len(train_loss) == iterations and evals.iteration.tolist() == [0, iterations]
    assert evals.loss.iloc[0] == pytest.approx(LOG_38, abs=0.05)  # an untrained model is near uniform
    assert train_loss[-20:].mean() < train_loss[:20].mean() - 0.5
    assert evals.loss.iloc[-1] < evals.loss.iloc[0] - 0.5
    if strategy == "scheduled_sampling":  # ss_k = 10: it learned while feeding back mostly its own events
        assert history.own_input_share.dropna().to_numpy()[-20:].mean() > 0.5
    if strategy == "professor_forcing":
        assert history.d_accuracy.dropna().between(0, 1).all()


# ---------------------------------------------------------------------------
# Bad settings
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("strategy, overrides, match", [
    ("teacher_forcing", {}, r"unknown strategy 'teacher_forcing'"),
    ("scheduled_sampling", {"ss_k": 1.0}, r"needs k > 1, got k = 1\.0"),
    ("scheduled_sampling", {"ss_k": -5.0}, r"needs k > 1"),
    ("scheduled_sampling", {"ss_sampling": "greedy"}, r"ss_sampling must be 'sample' or 'argmax'"),
    ("dropout", {"dropout_rate": -0.1}, r"dropout_rate must lie in \(0, 1\), got -0\.1"),
    ("dropout", {"dropout_rate": 1.0}, r"dropout_rate must lie in \(0, 1\)"),
    ("baseline", {"learning_rate": -1e-3}, r"learning_rate and clip_norm must be positive"),
    ("baseline", {"clip_norm": 0.0}, r"learning_rate and clip_norm must be positive"),
    ("professor_forcing", {"pf_learning_rate": -1e-3}, r"pf_learning_rate > 0"),
    ("professor_forcing", {"pf_lambda": -1.0}, r"pf_lambda must be >= 0"),
    ("professor_forcing", {"pf_gate_low": 0.9, "pf_gate_high": 0.5},
     r"need 0 <= pf_gate_low <= pf_gate_high <= 1, got 0\.9, 0\.5"),
    ("professor_forcing", {"pf_gate_high": 1.5}, r"pf_gate_low <= pf_gate_high <= 1"),
    ("professor_forcing", {"pf_gate_low": -0.1}, r"need 0 <= pf_gate_low"),
    ("baseline", {"iterations": 0}, r"iterations must be at least 1"),
    ("baseline", {"layers": ()}, r"layers must be positive unit counts"),
    ("baseline", {"learning_rat": 1e-3}, r"unknown setting 'learning_rat'"),
])
def test_bad_settings_are_refused_clearly(strategy, overrides, match):
    with pytest.raises(ValueError, match=match):
        config.experiment_config("smoke", strategy, **overrides)


def test_bad_model_dropout_and_unknown_profile_are_refused():
    with pytest.raises(ValueError, match=r"dropout_rate must lie in \[0, 1\), got -0\.2"):
        ModelConfig(dropout_rate=-0.2)
    with pytest.raises(ValueError, match=r"unknown profile 'tiny'"):
        config.experiment_config("tiny", "baseline")


def test_training_refuses_empty_datasets(folk_sides, tmp_path):
    train_melodies, eval_melodies = folk_sides
    with pytest.raises(ValueError, match="no training melodies: the dataset is empty"):
        training.train(tiny_config(), [], eval_melodies, tmp_path / "a", progress=False)
    with pytest.raises(ValueError, match="no evaluation windows: the held-out set is empty"):
        training.train(tiny_config(), train_melodies, [], tmp_path / "b", progress=False)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_initial_weights_do_not_depend_on_other_draws_from_python_random():
    """Another thread (a Dask worker's event loop) drawing from `random` must not change a run's weights."""
    import random

    from melodyreg.config import ModelConfig
    from melodyreg.model.network import build

    def built(disturb: bool):
        training.set_seed(5)
        with training.private_keras_seeds(5):
            if disturb:
                random.random()
            return [v.numpy() for v in build(ModelConfig(layers=(8,))).variables]

    for quiet, disturbed in zip(built(False), built(True)):
        np.testing.assert_array_equal(quiet, disturbed)
    training.set_seed(5)
    random.random()  # outside the context the same draw shifts every initializer's seed
    unprotected = [v.numpy() for v in build(ModelConfig(layers=(8,))).variables]
    assert not np.array_equal(unprotected[0], built(False)[0])
