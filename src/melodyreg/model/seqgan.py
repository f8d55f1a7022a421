"""SeqGAN (Yu et al., 2017): the generator as a policy, rewarded by a discriminator through rollouts.

The poster's future work. The generator is the same :class:`~melodyreg.model.network.MelodyRNN`,
pre-trained by maximum likelihood: a SeqGAN run starts from the stored baseline run of the
same seed and settings (:func:`pretraining`), never from a copy of its own. Then, per run:

1. **Discriminator pre-training** (``sg_d_pretrain`` updates): a CNN (:class:`SequenceDiscriminator`)
   learns to tell real training windows from sequences the generator samples.
2. **Adversarial phase** (``sg_steps`` generator updates). The generator samples sequences
   y of ``sg_length`` events from a real first event. The reward of event t is the
   discriminator's mean score of ``sg_rollouts`` completions of the prefix that ends at the
   next reward point (every ``sg_stride`` generated events; the whole sequence's own score
   at its end),
   completed by a delayed copy of the generator, the rollout policy β. The generator takes
   one REINFORCE step on −Σ_t Q_t log G(y_t | y_<t) / (B (L − 1)); β follows it as
   β ← delay · β + (1 − delay) · θ; then the discriminator takes ``sg_d_steps`` updates on
   fresh samples.

Why a CNN: it is Yu et al.'s discriminator (filters over several widths, max over time, a
highway layer), and it reads a sequence in parallel, while a recurrent one steps through
it: the rollouts make the discriminator read ``sg_rollouts`` times as many sequences as
the generator writes, so its cost matters more here than in professor forcing.

All completions and samples of one step go through one compiled sampling loop
(:func:`rollout`): each row reads its own prefix (its length may differ per row) and then
samples. Randomness is stateless and keyed by the iteration's seed, so a run repeats and
resumes exactly.
"""

from __future__ import annotations

import dataclasses
import functools

import keras
import numpy as np
import tensorflow as tf

from melodyreg.config import ExperimentConfig, ModelConfig, StrategyConfig
from melodyreg.model.losses import masked_nll
from melodyreg.model.network import MelodyRNN, build, lstm_step
from melodyreg.model.strategies import Strategy, fold, gumbel, pick

WIDTHS = (2, 4, 8, 16)  # the discriminator's filter widths in 16th notes: an eighth note to a bar
FILTERS = 32  # filters per width
EMBEDDING = 32  # width of the discriminator's event embedding


def pretraining(config: ExperimentConfig) -> ExperimentConfig:
    """The baseline run a SeqGAN run starts from: the same config with the baseline strategy (and none of
    SeqGAN's knobs, which the baseline does not read)."""
    if config.strategy.name != "seqgan":
        raise ValueError(f"only a seqgan run has a pre-training run, not {config.strategy.name!r}")
    return dataclasses.replace(config, strategy=StrategyConfig(name="baseline"))


def iterations(config: ExperimentConfig) -> int:
    """A SeqGAN run's iterations: its discriminator's pre-training updates, then its adversarial steps."""
    return config.strategy.sg_d_pretrain + config.strategy.sg_steps


def windows(x, width: int):
    """[B, T, E] → [B, T, width · E]: at each step, the ``width`` steps from it on (zeros past the end)."""
    padded = tf.pad(x, [[0, 0], [0, width - 1], [0, 0]])
    steps = tf.shape(x)[1]
    return tf.concat([padded[:, j : j + steps] for j in range(width)], axis=-1)


class SequenceDiscriminator(keras.Model):
    """Tells real from generated event sequences: embedding, convolutions of :data:`WIDTHS`, max over time,
    a highway layer, one logit (positive: real).

    Each convolution is a dense layer over the stacked :func:`windows` of the embedded events: the same
    function as a 1-D convolution, computed by matrix products, whose results do not depend on how
    TensorFlow aligns its buffers (the convolution kernel's do, in the last bits, which would break
    bit-identical resumes).
    """

    def __init__(self, num_classes: int, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.embed = keras.layers.Dense(EMBEDDING, use_bias=False)
        self.convs = [keras.layers.Dense(FILTERS, activation="relu") for _ in WIDTHS]
        width = FILTERS * len(WIDTHS)
        self.transform = keras.layers.Dense(width, activation="sigmoid")
        self.candidate = keras.layers.Dense(width, activation="relu")
        self.out = keras.layers.Dense(1)

    def call(self, classes):
        x = self.embed(tf.one_hot(classes, self.num_classes))
        features = tf.concat(
            [tf.reduce_max(conv(windows(x, w)), axis=1) for conv, w in zip(self.convs, WIDTHS)], axis=-1
        )
        gate = self.transform(features)
        features = gate * self.candidate(features) + (1.0 - gate) * features
        return self.out(features)[:, 0]


def _rollout_steps(config: ModelConfig, weights, head, events, forced, seed, length: int):
    rows = tf.shape(events)[0]
    noise = tf.unstack(gumbel(seed, [length, rows, config.num_classes]))
    state = [(tf.zeros((rows, u)), tf.zeros((rows, u))) for u in config.layers]
    x, out = events[:, 0], [events[:, 0]]
    for t in range(1, length):
        logits, state, _ = lstm_step(config, x, state, weights, head)
        x = tf.where(t < forced, events[:, t], pick(logits, noise[t]))
        out.append(x)
    return tf.stack(out, axis=1)


@functools.cache
def _rollout_loop(config: ModelConfig, length: int):
    """The loop compiled once per architecture and length; the weights are inputs (see ``generation``)."""
    return tf.function(functools.partial(_rollout_steps, config, length=length), autograph=False)


def rollout(model: MelodyRNN, events, forced, seed):
    """Complete each row of ``events`` [R, L]: its first ``forced[r]`` events are read as given (at least the
    first), the rest sampled from ``model`` at temperature 1. Returns [R, L] event classes."""
    loop = _rollout_loop(model.config, int(events.shape[1]))
    head = (tf.convert_to_tensor(model.head_kernel), tf.convert_to_tensor(model.head_bias))
    return loop(model.cell_weights(), head, events, forced, seed)


def reward_points(length: int, stride: int) -> list[int]:
    """The prefix lengths that get rollouts: the first event (real) and every ``stride`` generated events after
    it, below ``length``: 1 + ``stride``, 1 + 2 · ``stride``, ..."""
    return list(range(1 + stride, length, stride))


def hold(scores, length: int, stride: int):
    """Per generated event t = 1 … L − 1, the score of the first reward point at or after it: the prefix of
    1 + ``stride`` · ⌈t / ``stride``⌉ events, or the whole sequence.

    Args:
        scores: [P + 1, B]: the mean rollout score at each of the P :func:`reward_points`, then the
            whole sequence's own score.

    Returns:
        [B, L − 1] rewards.
    """
    events = np.arange(1, length)
    index = np.minimum(-(-events // stride) - 1, len(reward_points(length, stride)))
    return tf.transpose(tf.gather(scores, index))


def policy_gradient_loss(logits, tokens, rewards):
    """REINFORCE's loss: −mean over events of Q · log π(token), with ``logits`` [B, T, C] predicting
    ``tokens`` [B, T] and ``rewards`` [B, T] held fixed."""
    log_p = tf.gather(tf.nn.log_softmax(logits), tokens, batch_dims=2)
    return -tf.reduce_mean(log_p * tf.stop_gradient(rewards))


class SeqGAN(Strategy):
    """SeqGAN's adversarial phase on a pre-trained generator (see the module's docstring).

    The model must hold the pre-trained weights when the strategy is made: the rollout policy
    starts as their copy.
    """

    def __init__(self, model: MelodyRNN, config: ExperimentConfig):
        s = config.strategy
        if s.sg_length > config.train.window:
            raise ValueError(f"sg_length {s.sg_length} is longer than the training window {config.train.window}")
        self.discriminator = SequenceDiscriminator(model.config.num_classes)
        self.discriminator(tf.zeros((1, s.sg_length), tf.int32))
        self.d_optimizer = keras.optimizers.Adam(s.sg_d_learning_rate)
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.rollout_model = build(model.config)
        for mine, theirs in zip(self.rollout_model.variables, model.variables):
            mine.assign(theirs)
        super().__init__(model, config)
        self._pretrain = tf.function(self._pretraining_step, autograph=False)
        self._adversarial = tf.function(self._adversarial_step, autograph=False)

    @property
    def iterations(self) -> int:
        return iterations(self.config)

    @property
    def learning_rate(self) -> float:
        """The generator's rate in the adversarial phase (``sg_learning_rate``), not the pre-training's."""
        return self.config.strategy.sg_learning_rate

    @property
    def variables(self) -> list:
        return (
            super().variables
            + list(self.discriminator.variables)
            + list(self.d_optimizer.variables)
            + list(self.rollout_model.variables)
        )

    def sample(self, first, seed):
        """Sequences of ``sg_length`` events the generator samples from ``first`` [B] (no gradient)."""
        length = self.config.strategy.sg_length
        events = tf.pad(first[:, None], [[0, 0], [0, length - 1]])
        return rollout(self.model, events, tf.ones_like(first), seed)

    def score(self, classes):
        """The discriminator's probability that each sequence is real."""
        return tf.sigmoid(self.discriminator(classes))

    def rewards(self, sequences, seed):
        """[B, L − 1] rewards of the events after the first (see :func:`hold`), from the rollout policy."""
        s = self.config.strategy
        points = reward_points(s.sg_length, s.sg_stride)
        batch = tf.shape(sequences)[0]
        scores = [self.score(sequences)[None]]
        if points:
            copies = len(points) * s.sg_rollouts  # rows ordered (point, rollout, sequence)
            events = tf.tile(sequences, [copies, 1])
            forced = tf.repeat(tf.constant(points, tf.int32), s.sg_rollouts * batch)
            done = rollout(self.rollout_model, events, forced, seed)
            mean = tf.reduce_mean(tf.reshape(self.score(done), [len(points), s.sg_rollouts, batch]), axis=1)
            scores.insert(0, mean)
        return hold(tf.concat(scores, axis=0), s.sg_length, s.sg_stride)

    def _discriminator_steps(self, real, seed, count: int):
        bce = keras.losses.BinaryCrossentropy(from_logits=True)
        variables = self.discriminator.trainable_variables
        loss = accuracy = tf.constant(0.0)
        for j in range(count):
            fake = self.sample(real[:, 0], fold(seed, 100 + j))
            with tf.GradientTape() as tape:
                logits = self.discriminator(tf.concat([real, fake], axis=0))
                is_real, is_fake = tf.split(logits, 2)
                loss = bce(tf.ones_like(is_real), is_real) + bce(tf.zeros_like(is_fake), is_fake)
            self.d_optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
            accuracy = 0.5 * (
                tf.reduce_mean(tf.cast(is_real > 0, tf.float32)) + tf.reduce_mean(tf.cast(is_fake <= 0, tf.float32))
            )
        return {"d_loss": loss, "d_accuracy": accuracy}

    def _real_nll(self, inputs, labels, mask):
        """The generator's teacher-forced NLL on the real batch: the ``loss`` every strategy reports."""
        logits, _, _ = self.model(inputs)
        return masked_nll(logits, labels, mask)

    def _pretraining_step(self, real, inputs, labels, mask, seed):
        return {"loss": self._real_nll(inputs, labels, mask), **self._discriminator_steps(real, seed, 1)}

    def _adversarial_step(self, real, inputs, labels, mask, seed):
        s = self.config.strategy
        sequences = self.sample(real[:, 0], fold(seed, 1))
        rewards = self.rewards(sequences, fold(seed, 2))
        with tf.GradientTape() as tape:
            logits, _, _ = self.model(sequences[:, :-1])
            loss = policy_gradient_loss(logits, sequences[:, 1:], rewards)
        norm = self._apply(loss, tape)
        for mine, theirs in zip(self.rollout_model.trainable_variables, self.model.trainable_variables):
            mine.assign(s.sg_rollout_delay * mine + (1.0 - s.sg_rollout_delay) * theirs)
        d = self._discriminator_steps(real, fold(seed, 3), s.sg_d_steps)
        return {
            "loss": self._real_nll(inputs, labels, mask),
            "pg_loss": loss,
            "reward": tf.reduce_mean(rewards[:, -1]),  # the discriminator's mean score of the generated sequences
            "grad_norm": norm,
            **d,
        }

    def train_step(self, batch: dict, iteration: int, seed) -> dict:
        """A discriminator pre-training update (the first ``sg_d_pretrain`` iterations) or an adversarial step."""
        real = batch["inputs"][:, : self.config.strategy.sg_length]
        step = self._pretrain if iteration < self.config.strategy.sg_d_pretrain else self._adversarial
        out = step(real, batch["inputs"], batch["labels"], batch["mask"], seed)
        return {k: float(v) for k, v in out.items()}
