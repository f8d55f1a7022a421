"""Sampling melodies: shapes, the primer, Magenta's log-likelihood against a teacher-forced pass, seeds, MIDI."""

from __future__ import annotations

import io

import numpy as np
import pretty_midi
import pytest
import tensorflow as tf

from helpers import seeded_model, toy_batch
from melodyreg import constants as C
from melodyreg.config import ModelConfig
from melodyreg.data.melodies import encode
from melodyreg.model import generation

PRIMER = (60, 62, 64)


@pytest.fixture(scope="module")
def model():
    return seeded_model(ModelConfig(layers=(8, 8)))


@pytest.fixture(scope="module")
def sampled(model):
    return generation.generate(model, num=3, steps=12, primer=PRIMER, seed=1)


def test_shapes(sampled):
    assert sampled.classes.shape == (3, 12)
    assert sampled.log_probs.shape == (3, 12 - 3)
    assert sampled.log_likelihood.shape == (3,)
    assert sampled.hidden.shape == (3, 12, 16)
    assert (sampled.primer_length, sampled.temperature) == (3, 1.0)
    assert sampled.classes.min() >= 0 and sampled.classes.max() < C.NUM_CLASSES
    assert (sampled.log_probs < 0).all()


def test_the_primer_is_kept_at_the_start(sampled):
    np.testing.assert_array_equal(sampled.classes[:, :3], np.tile(encode(PRIMER), (3, 1)))
    np.testing.assert_array_equal(sampled.classes[:, :3], [[14, 16, 18]] * 3)  # 2 + pitch - 48
    for i in range(3):
        assert sampled.events(i)[:3] == list(PRIMER)


def test_log_likelihood_is_the_sum_of_the_sampled_events_log_probabilities(model, sampled):
    np.testing.assert_allclose(sampled.log_likelihood, sampled.log_probs.sum(axis=1), rtol=1e-6)
    # at temperature 1 it is what a teacher-forced pass gives the events after the primer
    forced = generation.teacher_forced_log_probs(model, sampled.classes)
    assert forced.shape == (3, 11)
    np.testing.assert_allclose(sampled.log_probs, forced[:, 3 - 1 :], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(sampled.log_likelihood, forced[:, 3 - 1 :].sum(axis=1), rtol=1e-5, atol=1e-5)


def test_log_probabilities_at_another_temperature_are_those_of_the_scaled_softmax(model):
    hot = generation.generate(model, num=3, steps=12, primer=PRIMER, temperature=0.5, seed=1)
    logits, _, _ = model(tf.constant(hot.classes[:, :-1], tf.int32))
    scaled = tf.nn.log_softmax(logits / 0.5).numpy()
    expected = np.take_along_axis(scaled, hot.classes[:, 1:, None].astype(np.int64), axis=-1)[..., 0]
    np.testing.assert_allclose(hot.log_probs, expected[:, 3 - 1 :], rtol=1e-5, atol=1e-5)
    assert hot.temperature == 0.5


def test_hidden_states_are_those_of_a_teacher_forced_pass(model, sampled):
    _, _, hidden = model(tf.constant(sampled.classes, tf.int32))
    np.testing.assert_allclose(sampled.hidden, hidden.numpy(), rtol=1e-5, atol=1e-6)


def test_same_seed_same_melodies_other_seed_others(model, sampled):
    again = generation.generate(model, num=3, steps=12, primer=PRIMER, seed=1)
    other = generation.generate(model, num=3, steps=12, primer=PRIMER, seed=2)
    np.testing.assert_array_equal(again.classes, sampled.classes)
    np.testing.assert_array_equal(again.log_probs, sampled.log_probs)
    assert not np.array_equal(other.classes[:, 3:], sampled.classes[:, 3:])


def test_the_default_primer_is_middle_c_and_primers_of_any_length_work_on_one_model(model, sampled):
    """Once broken: the compiled sampler relaxed the primer's length to None on a second primer length."""
    default = generation.generate(model, num=2, steps=12, seed=1)
    assert default.primer_length == 1 and default.log_probs.shape == (2, 11)
    np.testing.assert_array_equal(default.classes[:, 0], [2 + 60 - 48] * 2)
    assert default.events(0)[0] == C.MIDDLE_C


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"primer": ()}, r"primer must hold 1 to 11 events, got 0"),
        ({"primer": tuple([60] * 12)}, r"primer must hold 1 to 11 events, got 12"),
        ({"temperature": 0.0}, r"num, steps and temperature must be positive"),
        ({"temperature": -1.0}, r"num, steps and temperature must be positive"),
        ({"temperature": float("nan")}, r"temperature from 0\.01 to 100\), got 2, 12, nan"),
        ({"temperature": float("inf")}, r"temperature from 0\.01 to 100\), got 2, 12, inf"),
        ({"temperature": 1e-300}, r"temperature from 0\.01 to 100\), got 2, 12, 1e-300"),
        ({"num": 0}, r"num, steps and temperature must be positive"),
        ({"primer": (30,)}, r"outside the encodable range \[48, 84\): \[30\]"),
        ({"primer": (60, 84)}, r"outside the encodable range \[48, 84\): \[84\]"),
    ],
)
def test_bad_arguments_are_refused(model, kwargs, match):
    with pytest.raises(ValueError, match=match):
        generation.generate(model, **{"num": 2, "steps": 12, **kwargs})


def test_midi_of_a_melody(sampled):
    data = sampled.midi(0)
    assert isinstance(data, bytes) and data.startswith(b"MThd")
    notes = pretty_midi.PrettyMIDI(io.BytesIO(data)).instruments[0].notes
    assert notes[0].pitch == 60 and notes[0].start == pytest.approx(0.0)


def test_teacher_forced_hidden_and_mask():
    batch = toy_batch(batch=2, steps=8, lengths=[9, 4])
    model = seeded_model(ModelConfig(layers=(4, 4)))
    hidden, mask = generation.teacher_forced_hidden(model, batch)
    assert hidden.shape == (2, 8, 8) and mask.dtype == bool
    np.testing.assert_array_equal(mask.sum(axis=1), [8, 3])


def test_continue_classes_keeps_each_rows_primer():
    model = seeded_model(ModelConfig(layers=(8,)), seed=1)
    primers = np.array([[5], [20], [30]], np.int32)
    out = generation.continue_classes(model, primers, 12, seed=4)
    assert out.shape == (3, 12) and (out[:, :1] == primers).all()
    np.testing.assert_array_equal(out, generation.continue_classes(model, primers, 12, seed=4))
    assert not np.array_equal(out, generation.continue_classes(model, primers, 12, seed=5))
    with pytest.raises(ValueError, match="primers"):
        generation.continue_classes(model, primers, 1)


def test_models_of_one_architecture_share_one_compiled_sampler():
    """Once broken: one tf.function captured each model, so every new model retraced the 128-step loop
    (TensorFlow's "triggered tf.function retracing" warning in the evaluation chapter)."""
    config = ModelConfig(layers=(6, 6))
    first, second = seeded_model(config, seed=1), seeded_model(config, seed=2)
    a = generation.generate(first, num=2, steps=9, seed=3)
    b = generation.generate(second, num=4, steps=9, seed=3)
    again = generation.generate(first, num=2, steps=9, seed=3)
    assert generation._sampler(config, 1, 9).experimental_get_tracing_count() == 1
    np.testing.assert_array_equal(a.classes, again.classes)  # the weights are inputs, not a stale capture
    assert not np.array_equal(a.log_probs, b.log_probs[:2])  # each model samples from its own weights
