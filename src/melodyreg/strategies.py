"""The four training strategies, each a ``train_step`` over the same :class:`~melodyreg.model.MelodyRNN`.

* **baseline** — teacher forcing: every input is the true previous event.
* **dropout** (Srivastava et al., 2014) — teacher forcing with the model's output
  dropout switched on (the config does that; the step is the same).
* **scheduled sampling** (Bengio et al., 2015) — at iteration *i* every input
  (after the first) is, by its own coin, the true previous event with probability
  ε_i = k / (k + exp(i / k)), else an event drawn from the model's own prediction at
  the previous step. One loop does both: the prediction is made and fed back as the
  sequence is read.
* **professor forcing** (Lamb et al., 2016) — the generator is run teacher-forced on
  the batch and free-running (sampling its own inputs) from the same first event; a
  discriminator (:class:`Discriminator`) learns to tell the two runs' hidden states
  apart, and the generator minimises NLL + λ · (loss of fooling it on the
  free-running run). The teacher-forced run is held fixed for that term (no
  gradient through it). Two gates, on the discriminator's accuracy on the batch:
  the adversarial term is used only at accuracy ≥ ``pf_gate_low`` and the
  discriminator is updated only at accuracy < ``pf_gate_high``.

Each step updates only its own variables with its own optimizer. Randomness
comes from stateless ops keyed by a per-iteration seed tensor the training loop
derives from the run's seed, so a run repeats and resumes exactly.

Speed: the free-running run is sampled without a gradient tape, then re-run
teacher-forced on its own samples together with the true batch (one pass at
twice the batch); the hidden states are the same as the free run's and the
gradient through them is the same, because the sampled events themselves
carry no gradient.
"""

from __future__ import annotations

import math

import keras
import tensorflow as tf

from melodyreg.config import ExperimentConfig
from melodyreg.model import MelodyRNN


def masked_nll(logits, labels, mask):
    """Mean negative log-likelihood per (unmasked) event, in nats."""
    nll = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    return tf.reduce_sum(nll * mask) / tf.maximum(tf.reduce_sum(mask), 1.0)


def masked_accuracy(logits, labels, mask):
    """Share of (unmasked) events whose most likely class is the true one."""
    hit = tf.cast(tf.equal(tf.argmax(logits, -1, output_type=labels.dtype), labels), tf.float32)
    return tf.reduce_sum(hit * mask) / tf.maximum(tf.reduce_sum(mask), 1.0)


def fold(seed, *keys):
    """A new stateless seed from ``seed`` and integer ``keys``."""
    for key in keys:
        seed = tf.random.experimental.stateless_fold_in(seed, key)
    return seed


def inverse_sigmoid(iteration: int | float, k: float) -> float:
    """Scheduled sampling's ε_i = k / (k + exp(i / k)): the chance of feeding the true event."""
    exponent = iteration / k
    return 0.0 if exponent > 700 else k / (k + math.exp(exponent))


def choose(logits, seed, sampling: str = "sample"):
    """An event per row: drawn from softmax(logits), or the most likely one."""
    if sampling == "argmax":
        return tf.argmax(logits, -1, output_type=tf.int32)
    return tf.random.stateless_categorical(logits, 1, seed, dtype=tf.int32)[:, 0]


class Strategy:
    """Teacher forcing: the baseline, and with the model's dropout on, the dropout strategy."""

    def __init__(self, model: MelodyRNN, config: ExperimentConfig):
        self.model = model
        self.config = config
        self.optimizer = keras.optimizers.Adam(config.train.learning_rate)
        self.optimizer.build(model.trainable_variables)
        # autograph off: every loop and branch here is over Python values, unrolled at trace time
        self._compiled = tf.function(self._train_step, reduce_retracing=True, autograph=False)

    @property
    def variables(self) -> list:
        """Every variable a checkpoint must hold to resume this strategy exactly."""
        return list(self.model.variables) + list(self.optimizer.variables)

    def schedule(self, iteration: int) -> dict[str, float]:
        """Per-iteration scalars fed to the compiled step (none for teacher forcing)."""
        return {}

    def _apply(self, loss, tape):
        variables = self.model.trainable_variables
        grads, norm = tf.clip_by_global_norm(tape.gradient(loss, variables), self.config.train.clip_norm)
        self.optimizer.apply_gradients(zip(grads, variables))
        return norm

    def _train_step(self, inputs, labels, mask, seed, **scalars):
        with tf.GradientTape() as tape:
            logits, _, _ = self.model(inputs, training=True, seed=seed)
            loss = masked_nll(logits, labels, mask)
        norm = self._apply(loss, tape)
        return {"loss": loss, "accuracy": masked_accuracy(logits, labels, mask), "grad_norm": norm}

    def train_step(self, batch: dict, iteration: int, seed) -> dict:
        """One optimizer step on ``batch`` (``inputs``, ``labels``, ``mask``) at ``iteration``.

        Returns:
            Training metrics as Python floats.
        """
        scalars = {k: tf.constant(v, tf.float32) for k, v in self.schedule(iteration).items()}
        out = self._compiled(batch["inputs"], batch["labels"], batch["mask"], seed, **scalars)
        return {**{k: float(v) for k, v in out.items()}, **self.schedule(iteration)}


class ScheduledSampling(Strategy):
    """Scheduled sampling with an inverse-sigmoid decay and per-token coins."""

    def schedule(self, iteration: int) -> dict[str, float]:
        return {"epsilon": inverse_sigmoid(iteration, self.config.strategy.ss_k)}

    def run(self, inputs, epsilon, seed, training: bool = True):
        """Read ``inputs`` feeding back the model's own events with probability 1 - ε.

        Returns:
            ``(logits [B, T, C], fed inputs [B, T])``.
        """
        sampling = self.config.strategy.ss_sampling
        steps = tf.unstack(inputs, axis=1)
        batch = tf.shape(inputs)[0]
        state = self.model.initial_state(batch)
        masks = self.model.dropout_masks(seed, batch, len(steps)) if training else None
        masks = None if masks is None else [tf.unstack(m) for m in masks]
        fed, outputs, logits_t = [], [], None
        for t, true_t in enumerate(steps):
            if t == 0:
                x = true_t
            else:
                coin = tf.random.stateless_uniform(tf.shape(true_t), fold(seed, 2 * t)) < epsilon
                own = choose(tf.stop_gradient(logits_t), fold(seed, 2 * t + 1), sampling)
                x = tf.where(coin, true_t, own)
            logits_t, state, _ = self.model.step(x, state, None if masks is None else [m[t] for m in masks])
            fed.append(x)
            outputs.append(logits_t)
        return tf.stack(outputs, axis=1), tf.stack(fed, axis=1)

    def _train_step(self, inputs, labels, mask, seed, epsilon=None):
        with tf.GradientTape() as tape:
            logits, fed = self.run(inputs, epsilon, seed)
            loss = masked_nll(logits, labels, mask)
        norm = self._apply(loss, tape)
        own = tf.reduce_sum(tf.cast(tf.not_equal(fed[:, 1:], inputs[:, 1:]), tf.float32) * mask[:, 1:])
        return {"loss": loss, "accuracy": masked_accuracy(logits, labels, mask), "grad_norm": norm,
                "own_input_share": own / tf.maximum(tf.reduce_sum(mask[:, 1:]), 1.0)}


class Discriminator(keras.Model):
    """Tells teacher-forced from free-running hidden-state sequences: a bidirectional GRU, then an MLP.

    The hidden states are first averaged over non-overlapping groups of ``pool``
    steps (4 = a quarter note), which makes the GRU ``pool`` times shorter; with
    ``pool=1`` it reads every step. Returns one logit per sequence: positive
    means "teacher-forced".
    """

    def __init__(self, units: int, pool: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.pool = pool
        self.rnn = keras.layers.Bidirectional(keras.layers.GRU(units, unroll=True))
        self.hidden = keras.layers.Dense(units, activation="relu")
        self.out = keras.layers.Dense(1)

    def call(self, states):
        if self.pool > 1:
            steps, width = states.shape[1], states.shape[2]
            pad = -steps % self.pool
            states = tf.pad(states, [[0, 0], [0, pad], [0, 0]])
            states = tf.reduce_mean(tf.reshape(states, [-1, (steps + pad) // self.pool, self.pool, width]), 2)
        return self.out(self.hidden(self.rnn(states)))[:, 0]


class ProfessorForcing(Strategy):
    """Professor forcing with accuracy-gated generator and discriminator updates."""

    def __init__(self, model: MelodyRNN, config: ExperimentConfig):
        s = config.strategy
        self.discriminator = Discriminator(s.pf_units, s.pf_pool)
        self.discriminator(tf.zeros((1, config.train.window, model.hidden_size)))
        self.d_optimizer = keras.optimizers.Adam(s.pf_learning_rate)
        self.d_optimizer.build(self.discriminator.trainable_variables)
        super().__init__(model, config)

    @property
    def variables(self) -> list:
        return super().variables + list(self.discriminator.variables) + list(self.d_optimizer.variables)

    def free_run(self, first, steps: int, seed):
        """Sample ``steps`` inputs from the model, starting at ``first`` [B] (no gradient)."""
        state = self.model.initial_state(tf.shape(first)[0])
        x, events = first, [first]
        for t in range(steps - 1):
            logits_t, state, _ = self.model.step(x, state)
            x = choose(logits_t, fold(seed, t))
            events.append(x)
        return tf.stop_gradient(tf.stack(events, axis=1))

    def _train_step(self, inputs, labels, mask, seed, update_generator=True, update_discriminator=True):
        s = self.config.strategy
        batch = tf.shape(inputs)[0]
        free = self.free_run(inputs[:, 0], inputs.shape[1], fold(seed, 1))
        bce = keras.losses.BinaryCrossentropy(from_logits=True)
        with tf.GradientTape(persistent=True) as tape:
            logits, _, hidden = self.model(tf.concat([inputs, free], 0), training=True, seed=fold(seed, 2))
            hidden = hidden * tf.concat([mask, mask], 0)[..., None]
            h_teacher, h_free = hidden[:batch], hidden[batch:]
            nll = masked_nll(logits[:batch], labels, mask)
            scores = self.discriminator(tf.concat([tf.stop_gradient(h_teacher), h_free], 0))
            d_teacher, d_free = scores[:batch], scores[batch:]
            ones, zeros = tf.ones_like(d_free), tf.zeros_like(d_free)
            d_loss = bce(ones, d_teacher) + bce(zeros, d_free)
            fool = bce(ones, d_free)
            accuracy = 0.5 * (tf.reduce_mean(tf.cast(d_teacher > 0, tf.float32))
                              + tf.reduce_mean(tf.cast(d_free <= 0, tf.float32)))
            gate_g = tf.cast(accuracy >= s.pf_gate_low, tf.float32)
            g_loss = nll + s.pf_lambda * gate_g * fool
        gate_d = tf.cast(accuracy < s.pf_gate_high, tf.float32)
        if update_generator:
            norm = self._apply(g_loss, tape)
        else:
            norm = tf.constant(0.0)
        d_variables = self.discriminator.trainable_variables
        d_grads = tape.gradient(d_loss, d_variables)
        del tape

        def update_d():
            self.d_optimizer.apply_gradients(zip(d_grads, d_variables))
            return tf.constant(True)

        if update_discriminator:
            tf.cond(gate_d > 0, update_d, lambda: tf.constant(False))
        return {"loss": nll, "accuracy": masked_accuracy(logits[:batch], labels, mask), "grad_norm": norm,
                "d_loss": d_loss, "d_accuracy": accuracy, "fool_loss": fool,
                "gate_generator": gate_g, "gate_discriminator": gate_d}


def make(model: MelodyRNN, config: ExperimentConfig) -> Strategy:
    """The strategy named in ``config.strategy.name``, bound to ``model``."""
    name = config.strategy.name
    if name in ("baseline", "dropout"):
        if (config.model.dropout_rate > 0) != (name == "dropout"):
            raise ValueError(f"strategy {name!r} with model dropout_rate {config.model.dropout_rate}: "
                             "build configs with config.experiment_config")
        return Strategy(model, config)
    if name == "scheduled_sampling":
        return ScheduledSampling(model, config)
    if name == "professor_forcing":
        return ProfessorForcing(model, config)
    raise ValueError(f"unknown strategy {name!r}")
