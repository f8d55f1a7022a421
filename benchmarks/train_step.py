"""Milliseconds per training iteration for each strategy (batch 32 x 128 steps, 2 x 64 LSTM),
each as a ratio to a plain `keras.layers.LSTM` teacher-forced step measured in the same run,
plus the time to generate 10 melodies x 128 steps.

    .venv/bin/python benchmarks/train_step.py [--repeats 30] [--threads N]

Targets on the 2-core CPU: baseline and dropout <= 0.8x the plain Keras step, scheduled
sampling <= 1.0x, professor forcing <= 2.0x.

SeqGAN's adversarial step (its rollouts included) is timed at its default setting and given as a
ratio to the baseline's teacher-forced step (benchmarks/seqgan_cost.py sets whole runs beside
professor forcing's).

Professor forcing is timed three times: with its default gates (on this random batch the
discriminator is near chance, the generator gate stays closed and the backward pass
through the free run is skipped, as on most steps of a real run), with the
generator gate forced open (``pf_gate_low=0``: every step pays for that pass), and with
the dearest discriminator its search space holds (every step read, states and output
distribution, ``normalized``), which the full build's rules chose.
"""

import argparse
import functools
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from melodyreg import config  # noqa: E402
from melodyreg.data.windows import windows_to_batch  # noqa: E402
from melodyreg.model import generation, strategies, training  # noqa: E402
from melodyreg.model.losses import masked_nll  # noqa: E402
from melodyreg.model.network import build  # noqa: E402


def median_ms(fn, repeats: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def plain_keras_step(batch, classes: int = 38):
    """The reference: two keras.layers.LSTM(64) + Dense, teacher forcing, Adam, clip 5."""
    inputs = keras.Input((None,), dtype="int32")
    x = keras.layers.Lambda(lambda t: tf.one_hot(t, classes), output_shape=(None, classes))(inputs)
    x = keras.layers.LSTM(64, return_sequences=True)(x)
    x = keras.layers.LSTM(64, return_sequences=True)(x)
    model = keras.Model(inputs, keras.layers.Dense(classes)(x))
    optimizer = keras.optimizers.Adam(1e-3, global_clipnorm=5.0)
    optimizer.build(model.trainable_variables)

    @tf.function
    def step(inputs, labels, mask):
        with tf.GradientTape() as tape:
            loss = masked_nll(model(inputs, training=True), labels, mask)
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
        return loss

    return lambda: step(batch["inputs"], batch["labels"], batch["mask"]).numpy()


def step_once(strategy, batch, counter) -> None:
    """One training step of ``strategy`` at the next iteration of ``counter``."""
    strategy.train_step(batch, next(counter), training.step_seed(1, 0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    training.configure_threads(args.threads)
    rng = np.random.default_rng(0)
    windows = rng.integers(0, 38, size=(32, 129)).astype(np.int32)
    batch = windows_to_batch(windows, np.full(32, 129))
    reference = median_ms(plain_keras_step(batch), args.repeats)
    print(f"{'plain keras.layers.LSTM':>27}: {reference:7.1f} ms  1.00x (reference)")
    targets = {
        "baseline": (0.8, {}),
        "dropout": (0.8, {}),
        "scheduled_sampling": (1.0, {}),
        "professor_forcing": (2.0, {}),
        "professor_forcing gate open": (2.0, {"pf_gate_low": 0.0}),
        # the discriminator the full build's rules chose: every step read, states and output distribution
        "professor_forcing pool 1": (None, {"pf_pool": 1, "pf_reads": "states+probs", "pf_adversarial": "normalized"}),
    }
    measured = {}
    for label, (target, overrides) in targets.items():
        name = label.split()[0]
        cfg = config.experiment_config("poster", name, **overrides)
        training.set_seed(cfg.seed)
        strategy = strategies.make(build(cfg.model), cfg)
        counter = iter(range(10**9))
        ms = measured[label] = median_ms(functools.partial(step_once, strategy, batch, counter), args.repeats)
        goal = f" (target <= {target}x)" if target is not None else " (no target: the dearest discriminator)"
        print(f"{label:>27}: {ms:7.1f} ms  {ms / reference:.2f}x{goal}")
    # SeqGAN's adversarial step (after its discriminator's pre-training), as a ratio to teacher forcing's
    cfg = config.experiment_config("poster", "seqgan")
    training.set_seed(cfg.seed)
    strategy = strategies.make(build(cfg.model), cfg)
    counter = iter(range(cfg.strategy.sg_d_pretrain, 10**9))
    ms = median_ms(functools.partial(step_once, strategy, batch, counter), max(3, args.repeats // 10))
    print(
        f"{'seqgan adversarial step':>27}: {ms:7.1f} ms  {ms / reference:.2f}x, "
        f"{ms / measured['baseline']:.1f}x the baseline's"
    )
    model = build(config.ModelConfig())
    ms = median_ms(lambda: generation.generate(model, num=10, steps=128, seed=1), args.repeats)
    print(f"{'generate 10 x 128':>27}: {ms:7.1f} ms  {ms / reference:.2f}x")


if __name__ == "__main__":
    main()
