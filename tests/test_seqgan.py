"""SeqGAN: rewards from rollouts, the policy-gradient step, pre-training from the stored baseline, resume."""

import dataclasses
from types import SimpleNamespace

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from helpers import seeded_model, tiny_config, toy_melodies, weights_of
from melodyreg.config import LATER_KNOBS, ModelConfig, config_hash
from melodyreg.model import seqgan, strategies, training
from melodyreg.runs import store, study, sweep

SEQGAN = {"sg_steps": 3, "sg_d_pretrain": 2, "sg_length": 8, "sg_stride": 4, "sg_rollouts": 2, "iterations": 6}


def made(**overrides):
    """A SeqGAN strategy at toy size on a seeded model (as if pre-trained)."""
    config = tiny_config("seqgan", **{**SEQGAN, **overrides})
    model = seeded_model(config.model, seed=1)
    return strategies.make(model, config)


def test_rewards_are_held_back_to_the_next_reward_point():
    # length 6, stride 2: the first event is real; rollouts after 3 and 5 events, then the sequence's own score
    scores = tf.constant([[0.1], [0.4], [0.9]])
    assert seqgan.reward_points(6, 2) == [3, 5]
    np.testing.assert_allclose(seqgan.hold(scores, 6, 2).numpy(), [[0.1, 0.1, 0.4, 0.4, 0.9]])
    # stride 1: a reward per event, as in the paper
    per_event = tf.constant([[0.1], [0.2], [0.3]])
    np.testing.assert_allclose(seqgan.hold(per_event, 4, 1).numpy(), [[0.1, 0.2, 0.3]])


def test_the_reward_of_a_finished_sequence_is_the_discriminator_s_score():
    strategy = made()
    first = tf.constant([5, 9, 12, 20], tf.int32)
    sequences = strategy.sample(first, tf.constant([3, 0], tf.int64))
    assert sequences.shape == (4, 8) and np.array_equal(sequences[:, 0], first)
    rewards = strategy.rewards(sequences, tf.constant([4, 0], tf.int64))
    assert rewards.shape == (4, 7) and ((rewards.numpy() > 0) & (rewards.numpy() < 1)).all()
    np.testing.assert_allclose(rewards[:, -1], strategy.score(sequences), rtol=1e-6)
    # a rollout forced through the whole sequence is the sequence itself, so its score is the same
    done = seqgan.rollout(strategy.rollout_model, sequences, tf.fill([4], 8), tf.constant([1, 1], tf.int64))
    assert np.array_equal(done, sequences)
    # a rollout keeps each row's own prefix, and samples after it
    forced = tf.constant([1, 3, 5, 8], tf.int32)
    partial = seqgan.rollout(strategy.rollout_model, sequences, forced, tf.constant([2, 2], tf.int64)).numpy()
    for row, keep in enumerate(forced.numpy()):
        assert np.array_equal(partial[row, :keep], sequences.numpy()[row, :keep])


def test_a_policy_gradient_step_moves_probability_toward_the_rewarded_token():
    """Two tokens; token 1 earns reward 1, token 0 earns 0: one step makes token 1 likelier everywhere."""
    model = seeded_model(ModelConfig(layers=(4,), num_classes=2), seed=3)
    tokens = tf.constant(np.random.default_rng(0).integers(0, 2, size=(64, 9)), tf.int32)
    inputs, targets = tokens[:, :-1], tokens[:, 1:]
    rewards = tf.cast(tf.equal(targets, 1), tf.float32)

    def p_one():
        logits, _, _ = model(inputs)
        return float(tf.reduce_mean(tf.nn.softmax(logits)[..., 1]))

    before = p_one()
    optimizer = keras.optimizers.SGD(0.5)
    with tf.GradientTape() as tape:
        logits, _, _ = model(inputs)
        loss = seqgan.policy_gradient_loss(logits, targets, rewards)
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
    assert p_one() > before + 0.01
    # the same step with the rewards swapped moves the other way
    with tf.GradientTape() as tape:
        logits, _, _ = model(inputs)
        loss = seqgan.policy_gradient_loss(logits, targets, 1.0 - rewards)
    after = p_one()
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
    assert p_one() < after


def test_steps_count_both_phases_and_report_the_real_nll():
    strategy = made()
    assert strategy.iterations == 2 + 3
    from melodyreg.data.windows import Batcher

    batch = Batcher(toy_melodies(), 8, 4, seed=0).batch(0)
    pretrain = strategy.train_step(batch, 0, tf.constant([1, 0], tf.int64))
    assert set(pretrain) == {"loss", "d_loss", "d_accuracy"}
    generator = weights_of(strategy.model.trainable_variables)
    rollout = weights_of(strategy.rollout_model.trainable_variables)
    adversarial = strategy.train_step(batch, 2, tf.constant([2, 0], tf.int64))
    assert {"loss", "pg_loss", "reward", "grad_norm", "d_loss", "d_accuracy"} <= set(adversarial)
    moved = weights_of(strategy.model.trainable_variables)
    assert all(not np.array_equal(a, b) for a, b in zip(generator, moved))
    # the rollout policy moved a fifth of the way (delay 0.8) toward the new generator
    for old, new, now in zip(rollout, moved, weights_of(strategy.rollout_model.trainable_variables)):
        np.testing.assert_allclose(now, 0.8 * old + 0.2 * new, rtol=1e-5, atol=1e-6)


@pytest.mark.slow  # three tiny trainings, like the other strategies' resume tests
def test_resume_is_bit_identical(tmp_path):
    config = tiny_config("seqgan", **{**SEQGAN, "checkpoint_every": 2, "eval_every": 2})
    melodies = toy_melodies()
    initial = weights_of(seeded_model(config.model, seed=5).variables)
    full, full_history = training.train(config, melodies, melodies, tmp_path / "full", progress=False, initial=initial)
    _, partial = training.train(
        config, melodies, melodies, tmp_path / "resumed", progress=False, initial=initial, stop_after=3
    )
    assert partial.iteration.max() == 3
    resumed, history = training.train(config, melodies, melodies, tmp_path / "resumed", progress=False, initial=initial)
    pd.testing.assert_frame_equal(history, full_history, check_exact=True)
    assert full_history[full_history.phase == "train"].iteration.max() == 5
    for a, b in zip(weights_of(resumed.variables), weights_of(full.variables)):
        assert np.array_equal(a, b)


def test_without_adversarial_steps_a_run_is_its_stored_baseline(tmp_path):
    config = tiny_config("seqgan", **{**SEQGAN, "sg_steps": 0, "sg_d_pretrain": 0})
    melodies = toy_melodies()
    base = seqgan.pretraining(config)
    assert base.strategy.name == "baseline" and base.seed == config.seed and base.train == config.train
    assert store.load(base, tmp_path) is None
    sweep.train_run(config, melodies, melodies, tmp_path, progress=False)
    trained, pretrained = store.load(config, tmp_path), store.load(base, tmp_path)  # the baseline was trained first
    assert pretrained is not None and trained.folder != pretrained.folder
    held = SimpleNamespace(options={"runs_dir": tmp_path})  # a study's store, as study.pretraining_run reads it
    assert study.pretraining_run(held, trained).folder == pretrained.folder  # counted in what the study cost
    assert study.pretraining_run(held, pretrained) is None  # only SeqGAN starts from another run
    for a, b in zip(trained.weights(), pretrained.weights()):
        assert np.array_equal(a, b)
    with pytest.raises(ValueError, match="pre-training run"):
        seqgan.pretraining(base)


def test_seqgan_starts_from_the_stored_baseline_and_moves_away(tmp_path):
    config = tiny_config("seqgan", **SEQGAN)
    melodies = toy_melodies()
    sweep.train_run(config, melodies, melodies, tmp_path, progress=False)
    trained, pretrained = store.load(config, tmp_path), store.load(seqgan.pretraining(config), tmp_path)
    assert not any(np.array_equal(a, b) for a, b in zip(trained.weights(), pretrained.weights()))
    assert trained.history[trained.history.phase == "train"].reward.notna().sum() == 3


def test_seqgan_s_knobs_never_move_another_strategy_s_run():
    baseline = tiny_config("baseline")
    fields = dataclasses.asdict(baseline)
    fields["strategy"] = {k: v for k, v in fields["strategy"].items() if k not in LATER_KNOBS}
    expected = config_hash({"config": fields, "training_version": store.TRAINING_VERSION})
    assert store.run_folder(baseline).name == f"baseline-{expected}"
    one, other = tiny_config("seqgan", sg_steps=3), tiny_config("seqgan", sg_steps=4)
    assert store.run_folder(one) != store.run_folder(other)
    assert tiny_config("baseline", sg_steps=3) == baseline  # the baseline does not read SeqGAN's knobs


def test_a_sequence_longer_than_the_window_is_refused():
    with pytest.raises(ValueError, match="longer than the training window"):
        made(sg_length=16, sg_stride=4)


def test_a_seqgan_run_costs_its_pre_training_and_its_steps():
    config = tiny_config("seqgan", **SEQGAN)
    base = sweep.cost(seqgan.pretraining(config))
    assert sweep.cost(config) == base + sweep.COST["seqgan"] * 5 * config.train.batch_size
    alone = sweep.Dispatcher([config])  # alone, nothing to wait for: it trains its pre-training run itself
    assert alone.needs == {} and alone.rank[config] == sweep.cost(config)
    # in one sweep with it, the pre-training run starts first, and the SeqGAN run once it has finished
    assert sweep.queue([config, seqgan.pretraining(config)]) == [seqgan.pretraining(config), config]


def test_the_adversarial_phase_takes_its_own_learning_rate():
    strategy = made(sg_learning_rate=3e-5)
    assert strategy.learning_rate == 3e-5 and np.isclose(float(strategy.optimizer.learning_rate), 3e-5)
    assert strategy.config.train.learning_rate != 3e-5  # the pre-training's rate stays the baseline's
