"""MelodyRNN: one-hot events → stacked LSTM → softmax over the next event.

The architecture knows nothing of how it is trained. It offers two ways to run
the same weights:

* :meth:`MelodyRNN.step` — one step of every layer, for loops that choose each
  input as they go (scheduled sampling, free-running generation);
* :meth:`MelodyRNN.call` — a teacher-forced pass over a whole sequence: the same
  step, unrolled in Python so that TensorFlow compiles it into one straight graph
  (measured faster on CPU than a layer-by-layer pass or ``keras.layers.LSTM``).
  Because both paths run the same steps with the same dropout keys, scheduled
  sampling with ε = 1 reproduces teacher forcing exactly, dropout included.

Both return the hidden states (every layer's output at every step) for analysis.

Dropout (Srivastava et al., 2014), when the config switches it on, is applied
to each LSTM layer's output as MelodyRNN's ``DropoutWrapper`` does, in training
only. Its masks come from stateless random ops keyed by a seed tensor that the
caller passes, so a run is reproducible and resumable step for step.

The LSTM is written out (gates i, f, g, o; forget-gate bias initialised to 1 as
in TensorFlow's ``BasicLSTMCell`` that MelodyRNN used) rather than taken from
``keras.layers.LSTM`` so that both paths share one set of weights and one
step function.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from melodyreg.config import ModelConfig

State = list[tuple[tf.Tensor, tf.Tensor]]  # (h, c) per layer


def stateless_dropout(x: tf.Tensor, rate: float, seed: tf.Tensor) -> tf.Tensor:
    """Inverted dropout with a mask drawn from ``seed`` (a shape-[2] integer tensor)."""
    keep = tf.random.stateless_uniform(tf.shape(x), seed=seed) >= rate
    return tf.where(keep, x / (1.0 - rate), tf.zeros_like(x))


class MelodyRNN(keras.Model):
    """Stacked LSTM over one-hot melody events.

    Args:
        config: layer sizes, class count and dropout rate.
    """

    def __init__(self, config: ModelConfig, **kwargs):
        super().__init__(**kwargs)
        self.config = config
        self.kernels, self.recurrents, self.biases = [], [], []
        inputs = config.num_classes
        for i, units in enumerate(config.layers):
            self.kernels.append(self.add_weight(shape=(inputs, 4 * units), initializer="glorot_uniform",
                                                name=f"lstm{i}_kernel"))
            self.recurrents.append(self.add_weight(shape=(units, 4 * units), initializer="orthogonal",
                                                   name=f"lstm{i}_recurrent"))
            forget_one = keras.initializers.Constant([0.0] * units + [1.0] * units + [0.0] * (2 * units))
            self.biases.append(self.add_weight(shape=(4 * units,), initializer=forget_one, name=f"lstm{i}_bias"))
            inputs = units
        self.head_kernel = self.add_weight(shape=(inputs, config.num_classes), initializer="glorot_uniform",
                                           name="head_kernel")
        self.head_bias = self.add_weight(shape=(config.num_classes,), initializer="zeros", name="head_bias")

    @property
    def hidden_size(self) -> int:
        """Width of the concatenated hidden states of all layers."""
        return sum(self.config.layers)

    def initial_state(self, batch_size) -> State:
        """Zero ``(h, c)`` for every layer."""
        return [(tf.zeros((batch_size, u)), tf.zeros((batch_size, u))) for u in self.config.layers]

    def _cell(self, layer: int, projected: tf.Tensor, h: tf.Tensor, c: tf.Tensor):
        z = projected + tf.matmul(h, self.recurrents[layer])
        i, f, g, o = tf.split(z, 4, axis=-1)
        c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
        h = tf.sigmoid(o) * tf.tanh(c)
        return h, c

    def _dropout(self, x: tf.Tensor, training: bool, seed, layer: int, step: int) -> tf.Tensor:
        rate = self.config.dropout_rate
        if not training or rate == 0.0:
            return x
        if seed is None:
            raise ValueError("dropout in training needs a seed tensor")
        key = tf.random.experimental.stateless_fold_in(tf.cast(seed, tf.int64), 1_000_000 + layer)
        return stateless_dropout(x, rate, tf.random.experimental.stateless_fold_in(key, step))

    def logits(self, outputs: tf.Tensor) -> tf.Tensor:
        """Class scores from the last layer's (dropped-out) outputs."""
        return tf.matmul(outputs, self.head_kernel) + self.head_bias

    def call(self, classes, state: State | None = None, training: bool = False, seed=None):
        """Teacher-forced pass over ``classes`` [batch, time] (int).

        Args:
            classes: input events as class indices; the time length must be static.
            state: initial ``(h, c)`` per layer (zeros when ``None``), to run a long
                sequence in chunks.
            training: apply dropout (if configured).
            seed: shape-[2] integer tensor for dropout masks (needed when dropout is on).

        Returns:
            ``(logits [B, T, C], final state, hidden [B, T, sum(layers)])``; ``hidden``
            holds the LSTM outputs before dropout.
        """
        classes = tf.convert_to_tensor(classes)
        if classes.shape[1] is None:
            raise ValueError("the time length must be static; pad or chunk the sequence")
        state = state or self.initial_state(tf.shape(classes)[0])
        logits, hidden = [], []
        for t, classes_t in enumerate(tf.unstack(classes, axis=1)):
            logits_t, state, hidden_t = self.step(classes_t, state, training=training, seed=seed, step=t)
            logits.append(logits_t)
            hidden.append(hidden_t)
        return tf.stack(logits, axis=1), state, tf.stack(hidden, axis=1)

    def step(self, classes_t, state: State, training: bool = False, seed=None, step: int = 0):
        """One step of every layer for inputs ``classes_t`` [batch] (int).

        Returns:
            ``(logits [B, C], new state, hidden [B, sum(layers)])``.
        """
        x = None
        new_state, hidden = [], []
        for layer, (h, c) in enumerate(state):
            if layer == 0:
                projected = tf.gather(self.kernels[0], classes_t) + self.biases[0]
            else:
                projected = tf.matmul(x, self.kernels[layer]) + self.biases[layer]
            h, c = self._cell(layer, projected, h, c)
            new_state.append((h, c))
            hidden.append(h)
            x = self._dropout(h, training, seed, layer, step)
        return self.logits(x), new_state, tf.concat(hidden, axis=-1)


def build(config: ModelConfig) -> MelodyRNN:
    """A :class:`MelodyRNN` with its weights created (seed first with ``training.set_seed``)."""
    model = MelodyRNN(config)
    model(tf.zeros((1, 1), tf.int32))
    return model
