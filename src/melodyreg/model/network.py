"""MelodyRNN: one-hot events → stacked LSTM → softmax over the next event.

The architecture knows nothing of how it is trained. It offers two ways to run
the same weights:

* :meth:`MelodyRNN.step` — one step of every layer, for loops that choose each
  input as they go (scheduled sampling, free-running generation), each layer one
  call of the fused single-step kernel (``LSTMBlockCell``). TensorFlow registers
  no gradient for that kernel: the step is for sampling, and training always
  differentiates through :meth:`MelodyRNN.call`;
* :meth:`MelodyRNN.call` — a teacher-forced pass over a whole sequence, layer by
  layer, each layer one call of TensorFlow's fused LSTM kernel (``BlockLSTM``)
  on the same weights: about twice as fast on CPU as ``keras.layers.LSTM``.
  Dropout masks are drawn with the same keys as :meth:`step` draws them, so
  scheduled sampling with ε = 1 reproduces teacher forcing, dropout included.

Both return the hidden states (every layer's output at every step) for analysis.

Dropout (Srivastava et al., 2014), when the config switches it on, is applied
to each LSTM layer's output as MelodyRNN's ``DropoutWrapper`` does, in training
only. Its masks come from stateless random ops keyed by a seed tensor that the
caller passes, so a run is reproducible and resumable step for step.

The LSTM's weights are our own (gates i, f, g, o; forget-gate bias initialised
to 1 as in TensorFlow's ``BasicLSTMCell`` that MelodyRNN used) rather than a
``keras.layers.LSTM`` so that both paths share one set of weights.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from melodyreg.config import ModelConfig

State = list[tuple[tf.Tensor, tf.Tensor]]  # (h, c) per layer


def _ifgo_to_igfo(weights: tf.Tensor) -> tf.Tensor:
    """Reorder the gate blocks of the last axis from (i, f, g, o) to (i, g, f, o)."""
    i, f, g, o = tf.split(weights, 4, axis=-1)
    return tf.concat([i, g, f, o], axis=-1)


def _plain_lstm(no_peephole: tf.Tensor) -> dict:
    """The fused LSTM ops' options for a plain LSTM: no peepholes, no cell clipping, no forget bias added."""
    return {
        "wci": no_peephole,
        "wcf": no_peephole,
        "wco": no_peephole,
        "forget_bias": 0.0,
        "cell_clip": -1.0,
        "use_peephole": False,
    }


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
            self.kernels.append(
                self.add_weight(shape=(inputs, 4 * units), initializer="glorot_uniform", name=f"lstm{i}_kernel")
            )
            self.recurrents.append(
                self.add_weight(shape=(units, 4 * units), initializer="orthogonal", name=f"lstm{i}_recurrent")
            )
            forget_one = keras.initializers.Constant([0.0] * units + [1.0] * units + [0.0] * (2 * units))
            self.biases.append(self.add_weight(shape=(4 * units,), initializer=forget_one, name=f"lstm{i}_bias"))
            inputs = units
        self.head_kernel = self.add_weight(
            shape=(inputs, config.num_classes), initializer="glorot_uniform", name="head_kernel"
        )
        self.head_bias = self.add_weight(shape=(config.num_classes,), initializer="zeros", name="head_bias")

    @property
    def hidden_size(self) -> int:
        """Width of the concatenated hidden states of all layers."""
        return sum(self.config.layers)

    def initial_state(self, batch_size) -> State:
        """Zero ``(h, c)`` for every layer."""
        return [(tf.zeros((batch_size, u)), tf.zeros((batch_size, u))) for u in self.config.layers]

    def cell_weights(self) -> list[tuple[tf.Tensor, tf.Tensor]]:
        """Each layer's ``(w, b)`` in the layout of TensorFlow's fused LSTM kernels.

        ``w`` stacks the input and recurrent kernels ([inputs + units, 4 units]) and
        both hold the gates as i, g, f, o. Loops compute this once and pass it to
        every :meth:`step`.
        """
        return [
            (_ifgo_to_igfo(tf.concat([kernel, recurrent], 0)), _ifgo_to_igfo(bias))
            for kernel, recurrent, bias in zip(self.kernels, self.recurrents, self.biases)
        ]

    def dropout_masks(self, seed, batch_size, steps: int) -> list[tf.Tensor] | None:
        """Training dropout masks, one [steps, batch, units] tensor per layer, or ``None`` if dropout is off.

        Kept units are scaled by 1 / (1 - rate). The masks depend only on ``seed``
        (a shape-[2] integer tensor), the layer and the shape, so the teacher-forced
        pass and a step-by-step loop over the same sequence drop the same units.

        Raises:
            ValueError: dropout is on and ``seed`` is ``None``.
        """
        rate = self.config.dropout_rate
        if rate == 0.0:
            return None
        if seed is None:
            raise ValueError("dropout in training needs a seed tensor")
        masks = []
        for layer, units in enumerate(self.config.layers):
            key = tf.random.experimental.stateless_fold_in(tf.cast(seed, tf.int64), 1_000_000 + layer)
            masks.append(stateless_dropout(tf.ones((steps, batch_size, units)), rate, key))
        return masks

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
        steps = classes.shape[1]
        if steps is None:
            raise ValueError("the time length must be static; pad or chunk the sequence")
        state = state or self.initial_state(tf.shape(classes)[0])
        masks = self.dropout_masks(seed, tf.shape(classes)[0], steps) if training else None
        x = tf.one_hot(tf.transpose(classes), self.config.num_classes)  # [T, B, C]
        hidden, final = [], []
        for layer, (units, (w, b)) in enumerate(zip(self.config.layers, self.cell_weights())):
            h0, c0 = state[layer]
            no_peephole = tf.zeros((units,))
            # TensorFlow's fused LSTM kernel: one op per layer and pass instead of a few hundred
            # small ones; same weights, same equations. BlockLSTM wants gates as i, g, f, o.
            # (Not BlockLSTMV2, whose i, f, g, o layout would need no reordering: its gradient
            # in TF 2.21 is wrong, which tests/test_strategies.py caught.)
            _, cells, _, _, _, _, h = tf.raw_ops.BlockLSTM(
                seq_len_max=tf.constant(steps, tf.int64),
                x=x,
                cs_prev=c0,
                h_prev=h0,
                w=w,
                b=b,
                **_plain_lstm(no_peephole),
            )
            hidden.append(h)
            final.append((h[-1], cells[-1]))
            x = h if masks is None else h * masks[layer]
        logits = tf.transpose(self.logits(x), [1, 0, 2])
        return logits, final, tf.transpose(tf.concat(hidden, axis=-1), [1, 0, 2])

    def step(
        self,
        classes_t,
        state: State,
        masks_t: list[tf.Tensor] | None = None,
        weights: list[tuple[tf.Tensor, tf.Tensor]] | None = None,
    ):
        """One step of every layer for inputs ``classes_t`` [batch] (int); no gradient.

        Args:
            classes_t: this step's input events.
            state: ``(h, c)`` per layer.
            masks_t: this step's dropout masks, ``[m[t] for m in dropout_masks(...)]``,
                or ``None`` for no dropout (evaluation, generation).
            weights: :meth:`cell_weights`, computed once by the caller's loop
                (recomputed here when ``None``).

        Returns:
            ``(logits [B, C], new state, hidden [B, sum(layers)])``.
        """
        head = (self.head_kernel, self.head_bias)
        return lstm_step(self.config, classes_t, state, weights or self.cell_weights(), head, masks_t)


def lstm_step(
    config: ModelConfig,
    classes_t,
    state: State,
    weights: list[tuple[tf.Tensor, tf.Tensor]],
    head: tuple[tf.Tensor, tf.Tensor],
    masks_t: list[tf.Tensor] | None = None,
):
    """:meth:`MelodyRNN.step` as a function of the weights, for loops compiled once for every model.

    Args:
        config: the layer sizes and class count.
        weights: :meth:`MelodyRNN.cell_weights`.
        head: the softmax layer's ``(kernel, bias)``.

    Returns:
        ``(logits [B, C], new state, hidden [B, sum(layers)])``.
    """
    x = tf.one_hot(classes_t, config.num_classes)
    new_state, hidden = [], []
    for layer, ((h, c), (w, b)) in enumerate(zip(state, weights)):
        no_peephole = tf.zeros((config.layers[layer],))
        # the single-step twin of MelodyRNN.call()'s BlockLSTM: one op per layer and step
        _, c, _, _, _, _, h = tf.raw_ops.LSTMBlockCell(
            x=x,
            cs_prev=c,
            h_prev=h,
            w=w,
            b=b,
            **_plain_lstm(no_peephole),
        )
        new_state.append((h, c))
        hidden.append(h)
        x = h if masks_t is None else h * masks_t[layer]
    kernel, bias = head
    return tf.matmul(x, kernel) + bias, new_state, tf.concat(hidden, axis=-1)


def build(config: ModelConfig) -> MelodyRNN:
    """A :class:`MelodyRNN` with its weights created (seed first with ``training.set_seed``)."""
    model = MelodyRNN(config)
    model(tf.zeros((1, 1), tf.int32))
    return model
