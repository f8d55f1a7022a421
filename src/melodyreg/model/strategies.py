"""The training strategies, each a ``train_step`` over the same :class:`~melodyreg.model.network.MelodyRNN`.

* **baseline** — teacher forcing: every input is the true previous event.
* **dropout** (Srivastava et al., 2014) — teacher forcing with the model's output
  dropout switched on (the config does that; the step is the same).
* **scheduled sampling** (Bengio et al., 2015) — at iteration *i* every input
  (after the first) is, by its own coin, the true previous event with probability
  ε_i = k / (k + exp(i / k)), else an event drawn from the model's own prediction at
  the previous step, made on the inputs fed so far.
* **professor forcing** (Lamb et al., 2016) — the generator is run teacher-forced on
  the batch and free-running (sampling its own inputs) from the same first event; a
  discriminator (:class:`Discriminator`) learns to tell the two runs' hidden states
  apart, and the generator minimises NLL + λ · (loss of fooling it on the
  free-running run). The teacher-forced run is held fixed for that term (no
  gradient through it). Two gates, on the discriminator's accuracy on the batch:
  the adversarial term is used only at accuracy ≥ ``pf_gate_low`` and the
  discriminator is updated only at accuracy < ``pf_gate_high``.
* **seqgan** (Yu et al., 2017) — the poster's future work, in :mod:`melodyreg.model.seqgan`.

Each step updates only its own variables with its own optimizer. Randomness
comes from stateless ops keyed by a per-iteration seed tensor the training loop
derives from the run's seed, so a run repeats and resumes exactly. Samples are
drawn by the Gumbel-max rule (argmax of logits plus Gumbel noise), so a loop
draws all its noise in one op before it starts.

Speed, and why it changes nothing: a sampled event carries no gradient, so the
events a run feeds itself can be chosen first, in a loop without a gradient tape
(:meth:`MelodyRNN.step`), and the model then re-run teacher-forced on them with
the fused sequence kernel (:meth:`MelodyRNN.call`). The hidden states, the loss
and the gradient are those of the one-pass loop; at ε = 1 scheduled sampling's
step *is* the teacher-forcing step. Professor forcing differentiates through its
free-running run only when the generator gate is open (most steps it is closed).
"""

from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf

from melodyreg.config import ExperimentConfig
from melodyreg.model.losses import masked_accuracy, masked_nll
from melodyreg.model.network import MelodyRNN

GUMBEL_FLOOR = float(np.finfo(np.float32).tiny)  # uniform draws start here: log(0) never happens


def fold(seed, *keys):
    """A new stateless seed from ``seed`` and integer ``keys``."""
    for key in keys:
        seed = tf.random.experimental.stateless_fold_in(seed, key)
    return seed


def inverse_sigmoid(iteration: int | float, k: float) -> float:
    """Scheduled sampling's ε_i = k / (k + exp(i / k)): the chance of feeding the true event."""
    exponent = iteration / k
    return 0.0 if exponent > 700 else k / (k + math.exp(exponent))


def gumbel(seed, shape):
    """Standard Gumbel noise of ``shape``: argmax(logits + noise) is a draw from softmax(logits)."""
    uniform = tf.random.stateless_uniform(shape, seed, minval=GUMBEL_FLOOR, maxval=1.0)
    return -tf.math.log(-tf.math.log(uniform))


def pick(logits, noise, sampling: str = "sample"):
    """An event per row: argmax(logits + noise) (a sample, by the Gumbel-max rule) or the most likely one."""
    if sampling == "argmax":
        return tf.argmax(logits, -1, output_type=tf.int32)
    return tf.argmax(logits + noise, -1, output_type=tf.int32)


class Strategy:
    """Teacher forcing: the baseline, and with the model's dropout on, the dropout strategy."""

    def __init__(self, model: MelodyRNN, config: ExperimentConfig):
        self.model = model
        self.config = config
        self.optimizer = keras.optimizers.Adam(self.learning_rate)
        self.optimizer.build(model.trainable_variables)
        # autograph off: every loop and branch here is over Python values, unrolled at trace time
        self._compiled = tf.function(self._train_step, reduce_retracing=True, autograph=False)

    @property
    def iterations(self) -> int:
        """Training iterations of a run (SeqGAN counts its own phases)."""
        return self.config.train.iterations

    @property
    def learning_rate(self) -> float:
        """The Adam learning rate of the model's updates (SeqGAN's adversarial phase has its own)."""
        return self.config.train.learning_rate

    @property
    def variables(self) -> list:
        """Every variable a checkpoint must hold to resume this strategy exactly."""
        return list(self.model.variables) + list(self.optimizer.variables)

    def schedule(self, iteration: int) -> dict[str, float]:
        """Per-iteration scalars fed to the compiled step (none for teacher forcing)."""
        return {}

    def _apply(self, loss, tape):
        return self._apply_gradients(tape.gradient(loss, self.model.trainable_variables))

    def _apply_gradients(self, grads):
        """Clip ``grads`` (one per trainable weight of the model) to the global norm, apply; return the norm."""
        variables = self.model.trainable_variables
        grads, norm = tf.clip_by_global_norm(grads, self.config.train.clip_norm)
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
        s = self.config.strategy
        return {"epsilon": max(s.ss_floor, inverse_sigmoid(iteration, s.ss_k))}

    def choose_inputs(self, inputs, epsilon, seed, masks=None):
        """The events scheduled sampling feeds: per token, the true one or the model's own (no gradient).

        Reads ``inputs`` [B, T] step by step; each input after the first is, by its
        own coin, the true event (probability ε) or one chosen from the model's
        prediction at the previous step, which was made on the events fed so far
        (with this step's dropout ``masks`` when training).
        """
        sampling = self.config.strategy.ss_sampling
        truth = tf.unstack(inputs, axis=1)
        steps, batch = len(truth), tf.shape(inputs)[0]
        coins = tf.unstack(tf.random.stateless_uniform([steps, batch], fold(seed, 2)) < epsilon)
        noise = tf.unstack(gumbel(fold(seed, 3), [steps, batch, self.model.config.num_classes]))
        masks = None if masks is None else [tf.unstack(m) for m in masks]
        weights, state = self.model.cell_weights(), self.model.initial_state(batch)
        fed = [truth[0]]
        for t in range(1, steps):
            logits_t, state, _ = self.model.step(
                fed[-1], state, None if masks is None else [m[t - 1] for m in masks], weights
            )
            fed.append(tf.where(coins[t], truth[t], pick(logits_t, noise[t], sampling)))
        return tf.stop_gradient(tf.stack(fed, axis=1))

    def run(self, inputs, epsilon, seed, training: bool = True):
        """Choose the inputs (:meth:`choose_inputs`), then read them teacher-forced (differentiable).

        Returns:
            ``(logits [B, T, C], fed inputs [B, T])``.
        """
        masks = self.model.dropout_masks(seed, tf.shape(inputs)[0], inputs.shape[1]) if training else None
        fed = self.choose_inputs(inputs, epsilon, seed, masks)
        logits, _, _ = self.model(fed, training=training, seed=seed)
        return logits, fed

    def _train_step(self, inputs, labels, mask, seed, epsilon=None):
        with tf.GradientTape() as tape:
            logits, fed = self.run(inputs, epsilon, seed)
            loss = masked_nll(logits, labels, mask)
        norm = self._apply(loss, tape)
        own = tf.reduce_sum(tf.cast(tf.not_equal(fed[:, 1:], inputs[:, 1:]), tf.float32) * mask[:, 1:])
        return {
            "loss": loss,
            "accuracy": masked_accuracy(logits, labels, mask),
            "grad_norm": norm,
            "own_input_share": own / tf.maximum(tf.reduce_sum(mask[:, 1:]), 1.0),
        }


class Discriminator(keras.Model):
    """Tells teacher-forced from free-running hidden-state sequences: a bidirectional GRU, then an MLP.

    The hidden states are first averaged over non-overlapping groups of ``pool``
    steps (4 = a quarter note), which makes the GRU ``pool`` times shorter; with
    ``pool=1`` it reads every step. The GRU has the usual gates (update ``z``,
    reset ``r`` applied after the recurrent product, as Keras and cuDNN do); its
    two directions run side by side in one batched loop, their input products
    computed for all steps at once. The MLP reads both directions' last states.
    Returns one logit per sequence: positive means "teacher-forced".
    """

    def __init__(self, units: int, pool: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.units, self.pool = units, pool
        self.hidden = keras.layers.Dense(units, activation="relu")
        self.out = keras.layers.Dense(1)

    def build(self, input_shape):
        width, units = input_shape[-1], self.units
        self.kernels = [
            self.add_weight(shape=(width, 3 * units), initializer="glorot_uniform", name=f"gru_{side}_kernel")
            for side in ("forward", "backward")
        ]
        self.recurrents = [
            self.add_weight(shape=(units, 3 * units), initializer="orthogonal", name=f"gru_{side}_recurrent")
            for side in ("forward", "backward")
        ]
        self.input_bias = self.add_weight(shape=(2, 3 * units), initializer="zeros", name="gru_input_bias")
        self.recurrent_bias = self.add_weight(shape=(2, 3 * units), initializer="zeros", name="gru_recurrent_bias")
        self.hidden.build((None, 2 * units))
        self.out.build((None, units))

    def call(self, states):
        if self.pool > 1:
            steps, width = states.shape[1], states.shape[2]
            pad = -steps % self.pool
            states = tf.pad(states, [[0, 0], [0, pad], [0, 0]])
            states = tf.reduce_mean(tf.reshape(states, [-1, (steps + pad) // self.pool, self.pool, width]), 2)
        kernel = tf.stack([tf.convert_to_tensor(k) for k in self.kernels])  # [direction, width, 3 units]
        recurrent = tf.stack([tf.convert_to_tensor(r) for r in self.recurrents])  # [direction, units, 3 units]
        recurrent_bias = self.recurrent_bias[:, None]
        both = tf.stack([states, tf.reverse(states, [1])])  # [direction, B, T, width]
        inputs = tf.einsum("kbtw,kwg->ktbg", both, kernel) + self.input_bias[:, None, None]
        h = tf.zeros((2, tf.shape(states)[0], self.units))
        for x_t in tf.unstack(inputs, axis=1):
            x_z, x_r, x_n = tf.split(x_t, 3, axis=-1)
            h_z, h_r, h_n = tf.split(tf.matmul(h, recurrent) + recurrent_bias, 3, axis=-1)
            z = tf.sigmoid(x_z + h_z)
            n = tf.tanh(x_n + tf.sigmoid(x_r + h_r) * h_n)
            h = z * h + (1.0 - z) * n
        return self.out(self.hidden(tf.concat([h[0], h[1]], axis=-1)))[:, 0]


class ProfessorForcing(Strategy):
    """Professor forcing with accuracy-gated generator and discriminator updates.

    The discriminator reads each step's hidden states (``pf_reads="states"``) or
    the hidden states and the output distribution (``"states+probs"``). How the
    adversarial gradient joins the NLL gradient is ``pf_adversarial`` (see
    :class:`melodyreg.config.StrategyConfig`).
    """

    # For timing only (melodyreg.evaluation.speed): ``(generator gate, discriminator gate)`` values used
    # instead of the accuracy tests, so that each combination a run met can be timed on its own. Set it
    # before the first step: the compiled step reads it when it is traced.
    force_gates: tuple[float, float] | None = None

    def __init__(self, model: MelodyRNN, config: ExperimentConfig):
        s = config.strategy
        self.discriminator = Discriminator(s.pf_units, s.pf_pool)
        width = model.hidden_size + (model.config.num_classes if s.pf_reads == "states+probs" else 0)
        self.discriminator(tf.zeros((1, config.train.window, width)))
        self.d_optimizer = keras.optimizers.Adam(s.pf_learning_rate)
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.adv_optimizer = None
        if s.pf_adversarial == "separate":
            self.adv_optimizer = keras.optimizers.Adam(s.pf_lambda * config.train.learning_rate)
            self.adv_optimizer.build(model.trainable_variables)
        super().__init__(model, config)

    @property
    def variables(self) -> list:
        extra = list(self.adv_optimizer.variables) if self.adv_optimizer is not None else []
        return super().variables + list(self.discriminator.variables) + list(self.d_optimizer.variables) + extra

    def free_run(self, first, steps: int, seed):
        """Sample ``steps`` inputs from the model, starting at ``first`` [B] (no gradient)."""
        batch = tf.shape(first)[0]
        noise = tf.unstack(gumbel(seed, [steps, batch, self.model.config.num_classes]))
        weights, state = self.model.cell_weights(), self.model.initial_state(batch)
        events = [first]
        for t in range(1, steps):
            logits_t, state, _ = self.model.step(events[-1], state, None, weights)
            events.append(pick(logits_t, noise[t]))
        return tf.stop_gradient(tf.stack(events, axis=1))

    def features(self, logits, hidden, mask):
        """What the discriminator reads per step: hidden states, with the output distribution if configured."""
        if self.config.strategy.pf_reads == "states+probs":
            hidden = tf.concat([hidden, tf.nn.softmax(logits)], axis=-1)
        return hidden * mask[..., None]

    def _train_step(self, inputs, labels, mask, seed, update_generator=True, update_discriminator=True):
        s = self.config.strategy
        batch = tf.shape(inputs)[0]
        free = self.free_run(inputs[:, 0], inputs.shape[1], fold(seed, 1))
        bce = keras.losses.BinaryCrossentropy(from_logits=True)
        with tf.GradientTape(persistent=True) as tape:
            logits, _, h_teacher = self.model(inputs, training=True, seed=fold(seed, 2))
            logits_free, _, h_free = self.model(free, training=True, seed=fold(seed, 3))
            teacher_features = self.features(logits, h_teacher, mask)
            free_features = self.features(logits_free, h_free, mask)
            nll = masked_nll(logits, labels, mask)
            scores = self.discriminator(tf.concat([tf.stop_gradient(teacher_features), free_features], 0))
            d_teacher, d_free = scores[:batch], scores[batch:]
            ones, zeros = tf.ones_like(d_free), tf.zeros_like(d_free)
            d_loss = bce(ones, d_teacher) + bce(zeros, d_free)
            fool = bce(ones, d_free)
        accuracy = 0.5 * (
            tf.reduce_mean(tf.cast(d_teacher > 0, tf.float32)) + tf.reduce_mean(tf.cast(d_free <= 0, tf.float32))
        )
        gate_g = tf.cast(accuracy >= s.pf_gate_low, tf.float32)
        gate_d = tf.cast(accuracy < s.pf_gate_high, tf.float32)
        if self.force_gates is not None:
            gate_g, gate_d = (tf.constant(float(value)) for value in self.force_gates)
        if update_generator:
            variables = self.model.trainable_variables

            def gradient(loss):  # zeros for the weights ``loss`` does not reach (the head, for fooling)
                grads = tape.gradient(loss, variables)
                return [tf.zeros(v.shape) if g is None else g for g, v in zip(grads, variables)]

            nll_grads = gradient(nll)
            zeros_like = [tf.zeros(v.shape) for v in variables]
            if s.pf_adversarial == "separate":
                # the adversarial step has its own Adam (learning rate λ · lr): NLL's moments never see it
                norm = self._apply_gradients(nll_grads)

                def adversarial_step():
                    grads, _ = tf.clip_by_global_norm(gradient(fool), self.config.train.clip_norm)
                    self.adv_optimizer.apply_gradients(zip(grads, variables))
                    return tf.constant(True)

                tf.cond(gate_g > 0, adversarial_step, lambda: tf.constant(False))
            else:
                # the generator's loss is nll + λ · gate · fool; with the gate closed the second
                # term is zero, and the backward pass through the free run is skipped
                def adversarial():
                    grads = gradient(fool)
                    if s.pf_adversarial == "normalized":  # rescaled to λ times the NLL gradient's norm
                        scale = tf.linalg.global_norm(nll_grads) / tf.maximum(tf.linalg.global_norm(grads), 1e-12)
                        grads = [scale * g for g in grads]
                    return [s.pf_lambda * g for g in grads]

                extra = tf.cond(gate_g > 0, adversarial, lambda: zeros_like)
                norm = self._apply_gradients([g + a for g, a in zip(nll_grads, extra)])
        else:
            norm = tf.constant(0.0)
        d_variables = self.discriminator.trainable_variables
        d_grads = tape.gradient(d_loss, d_variables)

        def update_d():
            self.d_optimizer.apply_gradients(zip(d_grads, d_variables))
            return tf.constant(True)

        if update_discriminator:
            tf.cond(gate_d > 0, update_d, lambda: tf.constant(False))
        return {
            "loss": nll,
            "accuracy": masked_accuracy(logits, labels, mask),
            "grad_norm": norm,
            "d_loss": d_loss,
            "d_accuracy": accuracy,
            "fool_loss": fool,
            "gate_generator": gate_g,
            "gate_discriminator": gate_d,
        }


def make(model: MelodyRNN, config: ExperimentConfig) -> Strategy:
    """The strategy named in ``config.strategy.name``, bound to ``model``."""
    name = config.strategy.name
    if name in ("baseline", "dropout"):
        if (config.model.dropout_rate > 0) != (name == "dropout"):
            raise ValueError(
                f"strategy {name!r} with model dropout_rate {config.model.dropout_rate}: "
                "build configs with config.experiment_config"
            )
        return Strategy(model, config)
    if name == "scheduled_sampling":
        return ScheduledSampling(model, config)
    if name == "professor_forcing":
        return ProfessorForcing(model, config)
    if name == "seqgan":
        from melodyreg.model.seqgan import SeqGAN  # seqgan builds on this module's Strategy

        return SeqGAN(model, config)
    raise ValueError(f"unknown strategy {name!r}")
