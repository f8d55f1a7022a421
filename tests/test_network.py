"""MelodyRNN: shapes, one step function behind both paths, the forget-gate bias, and dropout in training only."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from helpers import seeded_model, toy_batch
from melodyreg import constants as C
from melodyreg.config import ModelConfig
from melodyreg.model.network import stateless_dropout

SEED = tf.constant([3, 4], tf.int64)


def loop_steps(model, classes, training=False, seed=None):
    """The teacher-forced pass written as a loop over :meth:`MelodyRNN.step`."""
    state = model.initial_state(classes.shape[0])
    masks = model.dropout_masks(seed, classes.shape[0], classes.shape[1]) if training else None
    logits, hidden = [], []
    for t in range(classes.shape[1]):
        logits_t, state, hidden_t = model.step(classes[:, t], state, None if masks is None else [m[t] for m in masks])
        logits.append(logits_t)
        hidden.append(hidden_t)
    return tf.stack(logits, 1), state, tf.stack(hidden, 1)


@pytest.fixture(scope="module")
def model():
    return seeded_model(ModelConfig(layers=(8, 16)))


@pytest.fixture(scope="module")
def dropout_model():
    return seeded_model(ModelConfig(layers=(8, 8), dropout_rate=0.5))


@pytest.fixture(scope="module")
def classes():
    return toy_batch(batch=3, steps=7)["inputs"]


def test_shapes_of_call_and_step(model, classes):
    logits, state, hidden = model(classes)
    assert logits.shape == (3, 7, C.NUM_CLASSES)
    assert hidden.shape == (3, 7, 8 + 16)
    assert model.hidden_size == 24
    assert [(h.shape, c.shape) for h, c in state] == [((3, 8), (3, 8)), ((3, 16), (3, 16))]
    logits_t, state_t, hidden_t = model.step(classes[:, 0], model.initial_state(3))
    assert logits_t.shape == (3, C.NUM_CLASSES)
    assert hidden_t.shape == (3, 24)
    assert [(h.shape, c.shape) for h, c in state_t] == [((3, 8), (3, 8)), ((3, 16), (3, 16))]


def test_hidden_is_every_layers_output_concatenated(model, classes):
    _, state, hidden = model(classes)
    h0, h1 = state[0][0], state[1][0]
    np.testing.assert_allclose(hidden[:, -1].numpy(), np.concatenate([h0, h1], axis=-1), rtol=0, atol=0)


def test_call_equals_step_looped(model, classes):
    logits, state, hidden = model(classes)
    loop_logits, loop_state, loop_hidden = loop_steps(model, classes)
    np.testing.assert_allclose(logits.numpy(), loop_logits.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(hidden.numpy(), loop_hidden.numpy(), rtol=1e-6, atol=1e-6)
    for (h, c), (lh, lc) in zip(state, loop_state):
        np.testing.assert_allclose(h.numpy(), lh.numpy(), rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(c.numpy(), lc.numpy(), rtol=1e-6, atol=1e-6)


def test_call_equals_step_looped_with_dropout(dropout_model, classes):
    """The same dropout keys on both paths: what makes scheduled sampling at ε = 1 teacher forcing."""
    logits, _, hidden = dropout_model(classes, training=True, seed=SEED)
    loop_logits, _, loop_hidden = loop_steps(dropout_model, classes, training=True, seed=SEED)
    np.testing.assert_allclose(logits.numpy(), loop_logits.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(hidden.numpy(), loop_hidden.numpy(), rtol=1e-6, atol=1e-6)


def test_a_sequence_runs_in_chunks_through_the_state(model, classes):
    whole, _, _ = model(classes)
    first, state, _ = model(classes[:, :3])
    rest, _, _ = model(classes[:, 3:], state=state)
    np.testing.assert_allclose(tf.concat([first, rest], 1).numpy(), whole.numpy(), rtol=1e-6, atol=1e-6)


def test_forget_gate_bias_starts_at_one(model):
    for units, bias in zip((8, 16), model.biases):
        expected = np.concatenate([np.zeros(units), np.ones(units), np.zeros(2 * units)])  # gates i, f, g, o
        np.testing.assert_array_equal(bias.numpy(), expected)
    np.testing.assert_array_equal(model.head_bias.numpy(), np.zeros(C.NUM_CLASSES))


def test_the_bias_of_one_sits_on_the_forget_gate():
    """With every kernel zero, the gates are sigmoid(bias): c' = sigmoid(1)·c + sigmoid(0)·tanh(0)."""
    zeroed = seeded_model(ModelConfig(layers=(4,)))
    for weight in zeroed.kernels + zeroed.recurrents:
        weight.assign(tf.zeros_like(weight))
    state = [(tf.zeros((2, 4)), tf.ones((2, 4)))]
    _, ((h, c),), _ = zeroed.step(tf.constant([0, 5]), state)
    sigmoid_one = 1 / (1 + np.exp(-1.0))
    np.testing.assert_allclose(c.numpy(), np.full((2, 4), sigmoid_one), rtol=1e-6)
    np.testing.assert_allclose(h.numpy(), np.full((2, 4), 0.5 * np.tanh(sigmoid_one)), rtol=1e-6)


def test_dropout_applies_in_training_only_and_follows_the_seed(dropout_model, classes):
    train_a, _, hidden_a = dropout_model(classes, training=True, seed=SEED)
    train_again, _, _ = dropout_model(classes, training=True, seed=SEED)
    train_b, _, _ = dropout_model(classes, training=True, seed=tf.constant([3, 5], tf.int64))
    plain, _, hidden_plain = dropout_model(classes, training=False)
    np.testing.assert_array_equal(train_a.numpy(), train_again.numpy())
    assert not np.allclose(train_a.numpy(), train_b.numpy())
    assert not np.allclose(train_a.numpy(), plain.numpy())
    # dropout acts on each layer's output, not on the recurrence: the first layer's states are untouched
    np.testing.assert_allclose(hidden_a[..., :8].numpy(), hidden_plain[..., :8].numpy(), rtol=1e-6, atol=1e-7)
    assert not np.allclose(hidden_a[..., 8:].numpy(), hidden_plain[..., 8:].numpy())


def test_evaluation_ignores_dropout_entirely(dropout_model, classes):
    twin = seeded_model(ModelConfig(layers=(8, 8), dropout_rate=0.0), seed=99)
    for mine, theirs in zip(twin.variables, dropout_model.variables):
        mine.assign(theirs)
    expected, _, _ = twin(classes, training=False)
    got, _, _ = dropout_model(classes, training=False)
    with_seed, _, _ = dropout_model(classes, training=False, seed=SEED)
    np.testing.assert_array_equal(got.numpy(), expected.numpy())
    np.testing.assert_array_equal(with_seed.numpy(), expected.numpy())
    # a model without dropout trains deterministically and needs no seed
    np.testing.assert_array_equal(twin(classes, training=True)[0].numpy(), expected.numpy())


def test_dropout_in_training_needs_a_seed(dropout_model, classes):
    with pytest.raises(ValueError, match="dropout in training needs a seed"):
        dropout_model(classes, training=True)
    with pytest.raises(ValueError, match="dropout in training needs a seed"):
        dropout_model.dropout_masks(None, 3, classes.shape[1])


def test_stateless_dropout_zeroes_and_rescales():
    x = tf.ones((4000,))
    dropped = stateless_dropout(x, 0.25, tf.constant([1, 2], tf.int64)).numpy()
    np.testing.assert_allclose(np.unique(dropped), [0.0, 1 / 0.75], rtol=1e-6)
    assert abs((dropped > 0).mean() - 0.75) < 0.03
    again = stateless_dropout(x, 0.25, tf.constant([1, 2], tf.int64)).numpy()
    np.testing.assert_array_equal(dropped, again)


def test_a_time_length_that_is_not_static_is_refused(model):
    traced = tf.function(lambda c: model(c)[0]).get_concrete_function
    with pytest.raises(ValueError, match="time length must be static"):
        traced(tf.TensorSpec((2, None), tf.int32))
