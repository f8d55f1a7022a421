"""Sampling melodies from a trained model, their log-likelihoods, and hidden states for analysis.

The log-likelihood of a generated melody is computed as Magenta's MelodyRNN
reports it: the sum, over the events sampled *after* the primer, of the log
probability the model gave the event it sampled (from the softmax at the
sampling temperature). At temperature 1 this equals the sum of log-probabilities
a teacher-forced pass assigns to the same melody, which ``tests`` check.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from melodyreg import constants as C
from melodyreg.config import ModelConfig
from melodyreg.data.melodies import decode, encode, midi_bytes, to_note_sequence
from melodyreg.model.network import MelodyRNN, lstm_step
from melodyreg.model.strategies import gumbel, pick


@dataclass
class Generated:
    """A batch of generated melodies.

    Attributes:
        classes: [N, T] event classes, primer included.
        log_probs: [N, T - P] log-probability of each sampled event (P = primer length).
        log_likelihood: [N] sum of ``log_probs`` per melody (Magenta's figure).
        hidden: [N, T, H] hidden states (all layers) after reading each event.
        primer_length: P.
        temperature: the sampling temperature.
    """

    classes: np.ndarray
    log_probs: np.ndarray
    log_likelihood: np.ndarray
    hidden: np.ndarray
    primer_length: int
    temperature: float

    def events(self, index: int) -> list[int]:
        """Melody ``index`` as note-seq event values (MIDI pitches, -1, -2)."""
        return decode(self.classes[index])

    def midi(self, index: int) -> bytes:
        """Melody ``index`` as a MIDI file."""
        return midi_bytes(to_note_sequence(self.events(index)))


def _sample_steps(config, weights, head, primer, steps: int, temperature, seed):
    """The sampling loop, unrolled over ``steps`` Python integers."""
    num = tf.shape(primer)[0]
    state = [(tf.zeros((num, u)), tf.zeros((num, u))) for u in config.layers]
    noise = tf.unstack(gumbel(seed, [steps, num, config.num_classes]))  # all of the loop's randomness
    classes, hidden, log_probs = [], [], []
    logits = None
    for t in range(steps):
        if t < primer.shape[1]:
            x = primer[:, t]
        else:
            scaled = logits / temperature
            x = pick(scaled, noise[t])
            log_probs.append(tf.gather(tf.nn.log_softmax(scaled), x, batch_dims=1))
        classes.append(x)
        logits, state, h = lstm_step(config, x, state, weights, head)
        hidden.append(h)
    return tf.stack(classes, 1), tf.stack(log_probs, 1), tf.stack(hidden, 1)


@functools.cache
def _sampler(config: ModelConfig, primer_length: int, steps: int):
    """The sampling loop compiled once per architecture, primer length and melody length.

    The loop needs both lengths static. The weights are inputs, not captured
    variables, so every model of one architecture shares one trace: sampling from
    many runs traces nothing new (one function capturing each model would retrace
    per model, TensorFlow's "triggered tf.function retracing" warning).
    """
    inputs = config.num_classes
    cells = []
    for units in config.layers:
        cells.append((tf.TensorSpec([inputs + units, 4 * units]), tf.TensorSpec([4 * units])))
        inputs = units
    signature = (
        cells,
        (tf.TensorSpec([inputs, config.num_classes]), tf.TensorSpec([config.num_classes])),
        tf.TensorSpec([None, primer_length], tf.int32),
        tf.TensorSpec([], tf.float32),
        tf.TensorSpec([2], tf.int64),
    )

    def sample(weights, head, primer, temperature, seed):
        return _sample_steps(config, weights, head, primer, steps, temperature, seed)

    # autograph off: the loop is over Python integers, unrolled at trace time
    return tf.function(sample, input_signature=signature, autograph=False)


def _sample(model: MelodyRNN, primer_classes: np.ndarray, steps: int, temperature: float, seed: int):
    sampler = _sampler(model.config, primer_classes.shape[1], steps)
    return sampler(
        model.cell_weights(),
        (model.head_kernel, model.head_bias),
        tf.constant(primer_classes, tf.int32),
        tf.constant(temperature, tf.float32),
        tf.constant([seed, 0], tf.int64),
    )


def generate(
    model: MelodyRNN,
    *,
    num: int = 10,
    steps: int = 128,
    primer: Sequence[int] = C.DEFAULT_PRIMER,
    temperature: float = 1.0,
    seed: int = 0,
) -> Generated:
    """Sample ``num`` melodies of ``steps`` events (primer included) from ``model``.

    Args:
        model: a trained :class:`MelodyRNN` (dropout is never applied here).
        num: melodies, sampled together as one batch.
        steps: total length in 16th-note steps; ``steps - len(primer)`` are sampled.
        primer: event values to start from (default middle C, as in the poster).
        temperature: softmax temperature (1 samples from the model itself).
        seed: the sampling seed.

    Raises:
        ValueError: empty or too long primer, a primer pitch outside the range,
            a non-positive ``num``/``steps``, or a temperature outside
            [:data:`~melodyreg.constants.TEMPERATURE_MIN`, :data:`~melodyreg.constants.TEMPERATURE_MAX`].
    """
    if num < 1 or steps < 1 or not C.TEMPERATURE_MIN <= temperature <= C.TEMPERATURE_MAX:
        raise ValueError(
            f"num, steps and temperature must be positive (temperature from {C.TEMPERATURE_MIN:g} to "
            f"{C.TEMPERATURE_MAX:g}), got {num}, {steps}, {temperature}"
        )
    if not 1 <= len(primer) < steps:
        raise ValueError(f"primer must hold 1 to {steps - 1} events, got {len(primer)}")
    primer_classes = np.tile(encode(primer).astype(np.int32), (num, 1))
    return continue_from(model, primer_classes, steps, temperature=temperature, seed=seed)


def continue_from(
    model: MelodyRNN, primer_classes: np.ndarray, steps: int, *, temperature: float = 1.0, seed: int = 0
) -> Generated:
    """Free-running continuations of a different primer per row, with their hidden states.

    Args:
        primer_classes: [N, P] event classes, one primer per row (for example a real melody's opening).
        steps: total length, the primer included (> P).

    Returns:
        The continuations as :class:`Generated` (``hidden[:, t]`` is the state after reading event *t*:
        from *P* on, an event the model sampled itself).

    Raises:
        ValueError: primers that are not [N, P] with 1 <= P < ``steps``.
    """
    primer_classes = np.asarray(primer_classes, np.int32)
    if primer_classes.ndim != 2 or not 1 <= primer_classes.shape[1] < steps:
        raise ValueError(f"need [N, P] primers with 1 <= P < steps = {steps}, got shape {primer_classes.shape}")
    classes, log_probs, hidden = _sample(model, primer_classes, steps, temperature, seed)
    log_probs = log_probs.numpy()
    return Generated(
        classes.numpy(), log_probs, log_probs.sum(axis=1), hidden.numpy(), primer_classes.shape[1], temperature
    )


def continue_classes(
    model: MelodyRNN, primer_classes: np.ndarray, steps: int, *, temperature: float = 1.0, seed: int = 0
) -> np.ndarray:
    """[N, steps] event classes of :func:`continue_from`'s continuations (one primer per row)."""
    return continue_from(model, primer_classes, steps, temperature=temperature, seed=seed).classes


def teacher_forced_states(model: MelodyRNN, classes: np.ndarray) -> np.ndarray:
    """[N, T, H] hidden states of a teacher-forced pass over ``classes`` (state *t* after reading event *t*)."""
    _, _, hidden = model(tf.cast(classes, tf.int32))
    return hidden.numpy()


def teacher_forced_log_probs(model: MelodyRNN, classes: np.ndarray) -> np.ndarray:
    """[N, T - 1] log p(event t | events before t) under a teacher-forced pass."""
    classes = tf.constant(np.asarray(classes, np.int32))
    logits, _, _ = model(classes[:, :-1])
    return tf.gather(tf.nn.log_softmax(logits), classes[:, 1:], batch_dims=2).numpy()


def teacher_forced_hidden(model: MelodyRNN, batch: dict[str, tf.Tensor]) -> tuple[np.ndarray, np.ndarray]:
    """Hidden states of a teacher-forced pass over ``batch['inputs']`` and the mask of real steps."""
    return teacher_forced_states(model, batch["inputs"]), batch["mask"].numpy().astype(bool)
