"""The four strategies: the loss, scheduled sampling's schedule and feedback, professor forcing's gates."""

from __future__ import annotations

import dataclasses
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from helpers import seeded_model, tiny_config, toy_batch, weights_of
from melodyreg.model import strategies, training
from melodyreg.model.losses import masked_nll
from melodyreg.model.strategies import Discriminator, ProfessorForcing, ScheduledSampling, Strategy, inverse_sigmoid

LOG_38 = math.log(38)


def with_dropout(config, rate):
    return dataclasses.replace(config, model=dataclasses.replace(config.model, dropout_rate=rate))


def test_pick_argmax_and_sampling_from_a_certain_softmax():
    logits = tf.constant([[0.0, 3.0, 1.0], [2.0, 0.0, 0.0]])
    np.testing.assert_array_equal(strategies.pick(logits, None, "argmax").numpy(), [1, 0])
    certain = tf.constant([[-1e9, -1e9, 0.0], [0.0, -1e9, -1e9]])
    noise = strategies.gumbel(tf.constant([1, 2], tf.int64), [2, 3])
    np.testing.assert_array_equal(strategies.pick(certain, noise).numpy(), [2, 0])


def test_gumbel_max_draws_follow_the_softmax():
    """argmax(logits + Gumbel noise) samples softmax(logits): frequencies over 40,000 draws."""
    logits = tf.constant([[2.0, 1.0, 0.0, -1.0]])
    noise = strategies.gumbel(tf.constant([3, 4], tf.int64), [40_000, 4])
    draws = strategies.pick(tf.tile(logits, [40_000, 1]), noise).numpy()
    frequencies = np.bincount(draws, minlength=4) / draws.size
    np.testing.assert_allclose(frequencies, tf.nn.softmax(logits)[0].numpy(), atol=0.01)  # 5 standard errors
    noise = strategies.gumbel(tf.constant([3, 4], tf.int64), [100_000]).numpy()
    assert np.isfinite(noise).all()
    assert noise.mean() == pytest.approx(np.euler_gamma, abs=0.02)  # the Gumbel mean


# ---------------------------------------------------------------------------
# Scheduled sampling
# ---------------------------------------------------------------------------


def test_inverse_sigmoid_hand_values():
    assert inverse_sigmoid(0, 500) == pytest.approx(500 / 501, rel=1e-12)
    assert inverse_sigmoid(500 * math.log(500), 500) == pytest.approx(0.5, rel=1e-12)
    assert inverse_sigmoid(5000, 500) == pytest.approx(500 / (500 + math.exp(10)), rel=1e-12)
    assert inverse_sigmoid(10 * math.log(10), 10) == pytest.approx(0.5, rel=1e-12)
    assert inverse_sigmoid(10**6, 2.0) == 0.0  # no overflow far along the schedule


def test_inverse_sigmoid_decreases_monotonically():
    values = [inverse_sigmoid(i, 500) for i in range(0, 10_001, 50)]
    assert all(a > b for a, b in zip(values, values[1:]))
    assert values[0] < 1 and values[-1] > 0


def test_schedule_feeds_epsilon_to_scheduled_sampling_only():
    config = tiny_config("scheduled_sampling", ss_k=500.0)
    model = seeded_model(config.model)
    assert ScheduledSampling(model, config).schedule(3000) == {"epsilon": inverse_sigmoid(3000, 500.0)}
    assert Strategy(model, tiny_config("baseline")).schedule(3000) == {}


def test_an_epsilon_floor_keeps_that_share_of_true_inputs_to_the_end():
    config = tiny_config("scheduled_sampling", ss_k=500.0, ss_floor=0.5)
    ss = ScheduledSampling(seeded_model(config.model), config)
    assert ss.schedule(0)["epsilon"] == pytest.approx(500 / 501)  # above the floor: the decay alone
    assert inverse_sigmoid(3500, 500.0) < 0.5 and ss.schedule(3500) == {"epsilon": 0.5}
    assert ss.schedule(5000) == {"epsilon": 0.5}  # the decay alone would be at 0.02


@pytest.mark.parametrize("dropout_rate", [0.0, 0.5])
def test_scheduled_sampling_at_epsilon_one_is_teacher_forcing(dropout_rate):
    """Same loss and the same gradient for every weight, with or without dropout (same dropout keys)."""
    config = with_dropout(tiny_config("scheduled_sampling"), dropout_rate)
    model = seeded_model(config.model)
    ss = ScheduledSampling(model, config)
    batch = toy_batch(lengths=[9, 9, 6, 3])
    seed = training.step_seed(config.seed, 7)
    variables = model.trainable_variables
    with tf.GradientTape() as tape:
        logits_ss, fed = ss.run(batch["inputs"], 1.0, seed)
        loss_ss = masked_nll(logits_ss, batch["labels"], batch["mask"])
    grads_ss = tape.gradient(loss_ss, variables)
    with tf.GradientTape() as tape:
        logits_tf, _, _ = model(batch["inputs"], training=True, seed=seed)
        loss_tf = masked_nll(logits_tf, batch["labels"], batch["mask"])
    grads_tf = tape.gradient(loss_tf, variables)

    np.testing.assert_array_equal(fed.numpy(), batch["inputs"].numpy())
    np.testing.assert_allclose(float(loss_ss), float(loss_tf), rtol=1e-5, atol=1e-6)
    assert len(grads_ss) == len(grads_tf) == len(variables) == 3 * 2 + 2
    for g_ss, g_tf, variable in zip(grads_ss, grads_tf, variables):
        assert g_ss is not None, variable.path
        dense_ss, dense_tf = tf.convert_to_tensor(g_ss), tf.convert_to_tensor(g_tf)  # the embedding's are sparse
        np.testing.assert_allclose(dense_ss.numpy(), dense_tf.numpy(), rtol=1e-5, atol=1e-6, err_msg=variable.path)
    if dropout_rate:  # the comparison really ran with dropout on
        plain, _, _ = model(batch["inputs"], training=False)
        assert not np.allclose(logits_tf.numpy(), plain.numpy())


@pytest.mark.parametrize("dropout_rate", [0.0, 0.5])
def test_scheduled_sampling_at_epsilon_zero_feeds_back_the_argmax(dropout_rate):
    """Each fed event is the argmax of the prediction made, with the same dropout, on the events fed before it."""
    config = with_dropout(tiny_config("scheduled_sampling", ss_sampling="argmax"), dropout_rate)
    model = seeded_model(config.model)
    inputs = toy_batch(batch=4, steps=8)["inputs"]
    seed = training.step_seed(1, 0)
    logits, fed = ScheduledSampling(model, config).run(inputs, 0.0, seed)
    fed, logits = fed.numpy(), logits.numpy()
    np.testing.assert_array_equal(fed[:, 0], inputs.numpy()[:, 0])
    np.testing.assert_array_equal(fed[:, 1:], logits[:, :-1].argmax(-1))
    # free running is teacher forcing on the model's own inputs
    np.testing.assert_allclose(logits, model(fed, training=True, seed=seed)[0].numpy(), rtol=1e-5, atol=1e-6)
    assert (fed[:, 1:] != inputs.numpy()[:, 1:]).any()


def test_scheduled_sampling_at_epsilon_zero_samples_its_own_inputs():
    config = tiny_config("scheduled_sampling")  # ss_sampling="sample"
    ss = ScheduledSampling(seeded_model(config.model), config)
    inputs = toy_batch(batch=8, steps=32, seed=1)["inputs"]
    _, fed = ss.run(inputs, 0.0, training.step_seed(1, 0))
    _, fed_again = ss.run(inputs, 0.0, training.step_seed(1, 0))
    _, fed_other = ss.run(inputs, 0.0, training.step_seed(1, 1))
    fed = fed.numpy()
    np.testing.assert_array_equal(fed[:, 0], inputs.numpy()[:, 0])
    assert (fed[:, 1:] != inputs.numpy()[:, 1:]).mean() > 0.8  # an untrained model samples ~uniformly
    np.testing.assert_array_equal(fed, fed_again.numpy())
    assert (fed != fed_other.numpy()).any()


def test_scheduled_sampling_flips_a_coin_per_token():
    config = tiny_config("scheduled_sampling")
    ss = ScheduledSampling(seeded_model(config.model), config)
    inputs = toy_batch(batch=8, steps=32, seed=2)["inputs"]
    _, fed = ss.run(inputs, 0.5, training.step_seed(1, 0))
    kept = fed.numpy()[:, 1:] == inputs.numpy()[:, 1:]
    assert 0.38 < kept.mean() < 0.65  # expected 0.5 + 0.5 / 38 over 248 coins
    assert kept.any(axis=1).all() and (~kept).any(axis=1).all()  # mixed within every sequence


def test_scheduled_sampling_train_step_reports_epsilon_and_own_inputs():
    config = tiny_config("scheduled_sampling", ss_k=10.0)
    ss = ScheduledSampling(seeded_model(config.model), config)
    batch = toy_batch(batch=4, steps=8)
    late = ss.train_step(batch, 10_000, training.step_seed(1, 10_000))
    assert late["epsilon"] == 0.0
    assert late["own_input_share"] > 0.8
    early = ss.train_step(batch, 0, training.step_seed(1, 0))
    assert early["epsilon"] == pytest.approx(10 / 11)
    assert early["own_input_share"] < 0.5
    assert set(early) == {"loss", "accuracy", "grad_norm", "own_input_share", "epsilon"}


# ---------------------------------------------------------------------------
# Professor forcing
# ---------------------------------------------------------------------------


def use_sgd(strategy, learning_rate: float = 1.0):
    """Plain SGD so that a step's weight change is the (clipped) gradient itself, not Adam's sign."""
    strategy.optimizer = keras.optimizers.SGD(learning_rate)
    strategy.optimizer.build(strategy.model.trainable_variables)


def discriminator_state(pf):
    return weights_of(pf.discriminator.variables) + weights_of(pf.d_optimizer.variables)


def assert_same(before, after):
    assert len(before) == len(after)
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)


def assert_each_changed(before, after):
    assert len(before) == len(after)
    for a, b in zip(before, after):
        assert not np.array_equal(a, b)


def pf_and_baseline_step(compiled: bool, **gates):
    """One professor-forcing step (compiled ``train_step`` or eager ``_train_step``) and one
    teacher-forcing step from the same weights (SGD).

    Returns the PF metrics, both weight changes, the discriminator's state (weights and optimizer)
    before and after, and whether each of its trainable weights changed.
    """
    config = tiny_config("professor_forcing", **gates)
    model, twin = seeded_model(config.model), seeded_model(config.model)
    pf, base = ProfessorForcing(model, config), Strategy(twin, config)
    use_sgd(pf)
    use_sgd(base)
    batch, seed = toy_batch(lengths=[9, 9, 6, 3]), training.step_seed(config.seed, 0)
    before, d_before = weights_of(model.trainable_variables), discriminator_state(pf)
    d_trainable = weights_of(pf.discriminator.trainable_variables)
    if compiled:
        out = pf.train_step(batch, 0, seed)
    else:
        out = {k: float(v) for k, v in pf._train_step(batch["inputs"], batch["labels"], batch["mask"], seed).items()}
    base._train_step(batch["inputs"], batch["labels"], batch["mask"], seed)
    pf_delta = [a - b for a, b in zip(weights_of(model.trainable_variables), before)]
    base_delta = [a - b for a, b in zip(weights_of(twin.trainable_variables), before)]
    d_after = weights_of(pf.discriminator.trainable_variables)
    d_changed = [not np.array_equal(a, b) for a, b in zip(d_trainable, d_after)]
    return out, pf_delta, base_delta, d_before, discriminator_state(pf), d_changed


def test_pf_with_the_generator_gate_closed_trains_like_teacher_forcing():
    """pf_gate_low = 1 is reached only at perfect accuracy: no adversarial term, just NLL."""
    out, pf_delta, base_delta, _, _, d_changed = pf_and_baseline_step(False, pf_gate_low=1.0, pf_gate_high=1.0)
    assert out["d_accuracy"] < 1.0
    assert out["gate_generator"] == 0.0
    assert out["gate_discriminator"] == 1.0
    for a, b in zip(pf_delta, base_delta):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    assert all(np.abs(d).max() > 0 for d in pf_delta)
    assert all(d_changed)  # the open discriminator gate let it update


def test_pf_with_the_generator_gate_open_adds_the_adversarial_gradient():
    """pf_gate_low = 0: the fooling term always counts; pf_gate_high = 0: the discriminator never updates.

    Through the compiled ``train_step`` the training loop uses.
    """
    out, pf_delta, base_delta, d_before, d_after, _ = pf_and_baseline_step(True, pf_gate_low=0.0, pf_gate_high=0.0)
    assert out["gate_generator"] == 1.0
    assert out["gate_discriminator"] == 0.0
    assert out["fool_loss"] > 0
    assert not all(np.allclose(a, b, rtol=1e-4, atol=1e-6) for a, b in zip(pf_delta, base_delta))
    assert_same(d_before, d_after)
    assert {
        "loss",
        "accuracy",
        "grad_norm",
        "d_loss",
        "d_accuracy",
        "fool_loss",
        "gate_generator",
        "gate_discriminator",
    } <= set(out)
    assert 0.0 <= out["d_accuracy"] <= 1.0


def test_pf_update_is_the_gradient_of_nll_plus_lambda_times_fooling():
    """With the gate open, the split gradient (NLL, then the gated fooling term) equals one tape over the sum."""
    config = tiny_config("professor_forcing", pf_gate_low=0.0, pf_gate_high=0.0, pf_lambda=2.0, pf_adversarial="raw")
    model, twin = seeded_model(config.model), seeded_model(config.model)
    pf, reference = ProfessorForcing(model, config), ProfessorForcing(twin, config)
    for strategy in (pf, reference):
        use_sgd(strategy)
    for mine, theirs in zip(reference.discriminator.variables, pf.discriminator.variables):
        mine.assign(theirs)
    batch, seed = toy_batch(lengths=[9, 9, 6, 3]), training.step_seed(config.seed, 0)
    before = weights_of(model.trainable_variables)
    pf.train_step(batch, 0, seed)

    inputs, labels, mask = batch["inputs"], batch["labels"], batch["mask"]
    free = reference.free_run(inputs[:, 0], inputs.shape[1], strategies.fold(seed, 1))
    with tf.GradientTape() as tape:
        logits, _, h_teacher = twin(inputs, training=True, seed=strategies.fold(seed, 2))
        _, _, h_free = twin(free, training=True, seed=strategies.fold(seed, 3))
        scores = reference.discriminator(
            tf.concat([tf.stop_gradient(h_teacher), h_free], 0) * tf.concat([mask, mask], 0)[..., None]
        )
        fool = keras.losses.BinaryCrossentropy(from_logits=True)(tf.ones((4,)), scores[4:])
        loss = masked_nll(logits, labels, mask) + 2.0 * fool
    grads = [
        tf.zeros(v.shape) if g is None else g
        for g, v in zip(tape.gradient(loss, twin.trainable_variables), twin.trainable_variables)
    ]
    expected, _ = tf.clip_by_global_norm(grads, config.train.clip_norm)
    for after, start, step in zip(weights_of(model.trainable_variables), before, expected):
        np.testing.assert_allclose(after - start, -step.numpy(), rtol=1e-4, atol=1e-6)


def twin_gradients(reference, batch, seed):
    """The NLL's and the fooling term's gradients for ``reference``'s model (a twin of the one trained), by
    hand: one tape over the teacher-forced and free runs of professor forcing's step at ``seed``; zeros for
    weights a loss does not reach."""
    twin = reference.model
    inputs, labels, mask = batch["inputs"], batch["labels"], batch["mask"]
    free = reference.free_run(inputs[:, 0], inputs.shape[1], strategies.fold(seed, 1))
    variables = twin.trainable_variables
    with tf.GradientTape(persistent=True) as tape:
        logits, _, h_teacher = twin(inputs, training=True, seed=strategies.fold(seed, 2))
        _, _, h_free = twin(free, training=True, seed=strategies.fold(seed, 3))
        scores = reference.discriminator(
            tf.concat([tf.stop_gradient(h_teacher), h_free], 0) * tf.concat([mask, mask], 0)[..., None]
        )
        fool = keras.losses.BinaryCrossentropy(from_logits=True)(tf.ones((4,)), scores[4:])
        nll = masked_nll(logits, labels, mask)
    return [
        [tf.zeros(v.shape) if g is None else g for g, v in zip(tape.gradient(loss, variables), variables)]
        for loss in (nll, fool)
    ]


@pytest.mark.slow  # two professor-forcing models traced per design: kept out of the fast loop's minute
@pytest.mark.parametrize("design", ["normalized", "separate"])
def test_pf_adversarial_designs_rescale_or_separate_the_fooling_gradient(design):
    """normalized: g_nll + λ·(|g_nll| / |g_fool|)·g_fool, clipped; separate: two clipped steps, λ·lr for fooling."""
    config = tiny_config("professor_forcing", pf_gate_low=0.0, pf_gate_high=0.0, pf_lambda=2.0, pf_adversarial=design)
    model, twin = seeded_model(config.model), seeded_model(config.model)
    pf, reference = ProfessorForcing(model, config), ProfessorForcing(twin, config)
    for strategy in (pf, reference):
        use_sgd(strategy)
    if design == "separate":
        pf.adv_optimizer = keras.optimizers.SGD(config.strategy.pf_lambda * 1.0)  # λ times use_sgd's rate of 1
        pf.adv_optimizer.build(model.trainable_variables)
    for mine, theirs in zip(reference.discriminator.variables, pf.discriminator.variables):
        mine.assign(theirs)
    batch, seed = toy_batch(lengths=[9, 9, 6, 3]), training.step_seed(config.seed, 0)
    before = weights_of(model.trainable_variables)
    pf.train_step(batch, 0, seed)

    g_nll, g_fool = twin_gradients(reference, batch, seed)
    clip = config.train.clip_norm  # use_sgd: learning rate 1, so a step is the clipped gradient itself
    if design == "normalized":
        scale = tf.linalg.global_norm(g_nll) / tf.linalg.global_norm(g_fool)
        expected, _ = tf.clip_by_global_norm([a + 2.0 * scale * b for a, b in zip(g_nll, g_fool)], clip)
    else:
        first, _ = tf.clip_by_global_norm(g_nll, clip)
        second, _ = tf.clip_by_global_norm(g_fool, clip)
        expected = [a + 2.0 * b for a, b in zip(first, second)]
    for after, start, step in zip(weights_of(model.trainable_variables), before, expected):
        np.testing.assert_allclose(after - start, -step.numpy(), rtol=1e-4, atol=1e-6)


def adam_first_step(grads, learning_rate, optimizer):
    """Keras's Adam, first step from zero moments: lr · g / (|g| + ε / √(1 − β₂)), whatever g's scale."""
    floor = optimizer.epsilon / math.sqrt(1 - optimizer.beta_2)
    return [learning_rate * g / (tf.abs(g) + floor) for g in grads]


@pytest.mark.slow  # two professor-forcing models traced per case
@pytest.mark.parametrize(
    "design, lam", [("separate", 0.25), ("separate", 4.0), ("raw", 4.0), ("normalized", 0.25), ("normalized", 4.0)]
)
def test_with_adam_lambda_is_a_step_size_under_separate_and_a_loss_weight_under_raw(design, lam):
    """With Adam itself (not SGD): ``separate`` takes two Adam steps, NLL's at lr and fooling's at λ·lr, so
    λ sets how far the adversarial step moves a weight, whatever the size of its gradient; ``raw`` takes one
    Adam step on NLL + λ·fool, so λ only weighs the two gradients and no weight moves further than lr;
    ``normalized`` takes one Adam step on NLL + λ·(|NLL| / |fool|)·fool, so λ is the adversarial gradient's
    norm as a multiple of the NLL's, and no weight moves further than lr either."""
    config = tiny_config("professor_forcing", pf_lambda=lam, pf_adversarial=design, learning_rate=1e-3)
    model, twin = seeded_model(config.model), seeded_model(config.model)
    pf, reference = ProfessorForcing(model, config), ProfessorForcing(twin, config)
    pf.force_gates = (1, 0)  # the adversarial term on, whatever the discriminator scores
    for mine, theirs in zip(reference.discriminator.variables, pf.discriminator.variables):
        mine.assign(theirs)
    batch, seed = toy_batch(lengths=[9, 9, 6, 3]), training.step_seed(config.seed, 0)
    before = weights_of(model.trainable_variables)
    pf.train_step(batch, 0, seed)

    g_nll, g_fool = twin_gradients(reference, batch, seed)
    lr, clip = config.train.learning_rate, config.train.clip_norm
    if design == "separate":
        first, _ = tf.clip_by_global_norm(g_nll, clip)
        second, _ = tf.clip_by_global_norm(g_fool, clip)
        steps = [
            a + b
            for a, b in zip(
                adam_first_step(first, lr, pf.optimizer), adam_first_step(second, lam * lr, pf.adv_optimizer)
            )
        ]
    else:
        scale = tf.linalg.global_norm(g_nll) / tf.linalg.global_norm(g_fool) if design == "normalized" else 1.0
        combined, _ = tf.clip_by_global_norm([a + lam * scale * b for a, b in zip(g_nll, g_fool)], clip)
        steps = adam_first_step(combined, lr, pf.optimizer)
    moved = []
    for after, start, step in zip(weights_of(model.trainable_variables), before, steps):
        np.testing.assert_allclose(after - start, -step.numpy(), rtol=1e-3, atol=1e-8)
        moved.append(np.abs(after - start).ravel() / lr)
    largest = float(np.concatenate(moved).max())
    if design != "separate":
        assert largest <= 1 + 1e-4  # one Adam step: no weight moves further than lr, whatever λ
    else:
        assert largest > 1 + lam / 2  # where both steps agree in sign, a weight moves by up to (1 + λ)·lr


@pytest.fixture
def pf_setup():
    config = tiny_config("professor_forcing", pf_gate_high=1.0)
    pf = ProfessorForcing(seeded_model(config.model), config)
    batch = toy_batch(lengths=[9, 9, 6, 3])
    return pf, (batch["inputs"], batch["labels"], batch["mask"], training.step_seed(config.seed, 0))


def generator_state(pf):
    return weights_of(pf.model.variables) + weights_of(pf.optimizer.variables)


def test_pf_step_without_the_discriminator_update_leaves_it_unchanged(pf_setup):
    pf, args = pf_setup
    g_before, d_before = weights_of(pf.model.trainable_variables), discriminator_state(pf)
    out = pf._train_step(*args, update_generator=True, update_discriminator=False)
    assert float(out["gate_discriminator"]) == 1.0  # the gate was open: only the flag held it back
    assert_same(d_before, discriminator_state(pf))
    assert_each_changed(g_before, weights_of(pf.model.trainable_variables))


def test_pf_step_without_the_generator_update_leaves_the_model_unchanged(pf_setup):
    pf, args = pf_setup
    g_before = generator_state(pf)
    d_before = weights_of(pf.discriminator.trainable_variables)
    out = pf._train_step(*args, update_generator=False, update_discriminator=True)
    assert float(out["gate_discriminator"]) == 1.0
    assert float(out["grad_norm"]) == 0.0
    assert_same(g_before, generator_state(pf))
    assert_each_changed(d_before, weights_of(pf.discriminator.trainable_variables))


@pytest.mark.parametrize("gates", [(0, 0), (0, 1), (1, 0), (1, 1)])
def test_forced_gates_hold_whatever_the_discriminator_scores_and_decide_what_is_updated(gates):
    config = tiny_config("professor_forcing")
    pf = ProfessorForcing(seeded_model(config.model), config)
    pf.force_gates = gates  # as the speed claim times each combination a run met
    batch = toy_batch(lengths=[9, 9, 6, 3])
    d_before = weights_of(pf.discriminator.trainable_variables)
    out = pf.train_step(batch, 0, training.step_seed(config.seed, 0))
    assert (out["gate_generator"], out["gate_discriminator"]) == gates
    changed = [not np.array_equal(a, b) for a, b in zip(d_before, weights_of(pf.discriminator.trainable_variables))]
    assert all(changed) if gates[1] else not any(changed)


def test_pf_free_run_starts_from_the_first_event_and_follows_the_seed(pf_setup):
    pf, (inputs, *_) = pf_setup
    free = pf.free_run(inputs[:, 0], 8, tf.constant([5, 6], tf.int64)).numpy()
    again = pf.free_run(inputs[:, 0], 8, tf.constant([5, 6], tf.int64)).numpy()
    other = pf.free_run(inputs[:, 0], 8, tf.constant([5, 7], tf.int64)).numpy()
    assert free.shape == (4, 8)
    np.testing.assert_array_equal(free[:, 0], inputs.numpy()[:, 0])
    np.testing.assert_array_equal(free, again)
    assert (free != other).any()


def test_pf_checkpoint_variables_include_the_discriminator(pf_setup):
    pf, _ = pf_setup
    ids = {id(v) for v in pf.variables}
    for variable in pf.model.variables + pf.optimizer.variables + pf.discriminator.variables + pf.d_optimizer.variables:
        assert id(variable) in ids


def test_discriminator_gives_one_logit_per_sequence():
    scores = Discriminator(4)(tf.zeros((3, 5, 16)))
    assert scores.shape == (3,)


def test_discriminator_pooling_reads_the_means_of_groups_of_steps():
    states = tf.random.stateless_normal((3, 6, 4), seed=[1, 2])
    pooled, plain = Discriminator(4, pool=2), Discriminator(4, pool=1)
    pooled(states)
    plain(states[:, :3])
    for mine, theirs in zip(plain.variables, pooled.variables):
        mine.assign(theirs)
    means = tf.reduce_mean(tf.reshape(states, (3, 3, 2, 4)), axis=2)  # steps (0, 1), (2, 3), (4, 5)
    np.testing.assert_allclose(pooled(states).numpy(), plain(means).numpy(), rtol=1e-5, atol=1e-6)
    assert pooled(states[:, :5]).shape == (3,)  # a length that is no multiple of the pool still works


# ---------------------------------------------------------------------------
# Choosing a strategy
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, cls",
    [
        ("baseline", Strategy),
        ("dropout", Strategy),
        ("scheduled_sampling", ScheduledSampling),
        ("professor_forcing", ProfessorForcing),
    ],
)
def test_make_builds_the_named_strategy(name, cls):
    config = tiny_config(name)
    strategy = strategies.make(seeded_model(config.model), config)
    assert type(strategy) is cls
    assert (config.model.dropout_rate > 0) == (name == "dropout")


def test_make_refuses_a_dropout_and_baseline_mismatch():
    baseline, dropout = tiny_config("baseline"), tiny_config("dropout")
    model = seeded_model(baseline.model)
    with pytest.raises(ValueError, match=r"strategy 'baseline' with model dropout_rate 0\.5"):
        strategies.make(model, with_dropout(baseline, 0.5))
    with pytest.raises(ValueError, match=r"strategy 'dropout' with model dropout_rate 0\.0"):
        strategies.make(model, with_dropout(dropout, 0.0))
