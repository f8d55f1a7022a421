"""The training loop shared by every strategy: batches, evaluation, history, checkpoints, resume.

Reproducibility: :func:`set_seed` seeds Python, NumPy, TensorFlow and Keras (weight
initialisation) and asks TensorFlow for deterministic ops. After that, nothing in
a run draws from global random state: batch *i* is cut by a NumPy generator
seeded with ``(seed, i)`` and the compiled step's random ops (dropout masks,
scheduled-sampling coins, samples) are keyed by the seed tensor ``(seed, i)``.
A run killed after a checkpoint and restarted therefore continues exactly as if
it had never stopped: same batches, same random draws, same restored weights
and optimizer state.
"""

from __future__ import annotations

import contextlib
import json
import random
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import tensorflow as tf
from tqdm.auto import tqdm

from melodyreg.config import ExperimentConfig
from melodyreg.data.windows import Batcher, eval_windows
from melodyreg.model import strategies
from melodyreg.model.losses import masked_sums
from melodyreg.model.network import MelodyRNN, build


def set_seed(seed: int) -> None:
    """Seed every generator a run could touch; the one seeding entry point."""
    import keras

    random.seed(seed)
    np.random.seed(seed % 2**32)
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


@contextlib.contextmanager
def private_keras_seeds(seed: int) -> Iterator[None]:
    """Let Keras draw initializer seeds from a private generator while a run builds its variables.

    Keras gives every initializer created without a seed one drawn from Python's
    global ``random``. In a process where other threads draw from it too (a Dask
    worker's event loop does), the weights would depend on timing. Inside this
    context Keras draws from ``random.Random(seed)`` instead: the same numbers
    :func:`set_seed` gives an undisturbed process, whatever other threads do.
    """
    from keras.src.random import seed_generator

    saved = seed_generator.python_random
    seed_generator.python_random = random.Random(seed)
    try:
        yield
    finally:
        seed_generator.python_random = saved


def configure_threads(threads: int | None) -> None:
    """Limit TensorFlow's thread pools (1 when two runs share a 2-core machine); call before any TF op."""
    if threads:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)


def step_seed(seed: int, iteration: int) -> tf.Tensor:
    """The seed tensor of the compiled step at ``iteration``."""
    return tf.constant([seed, iteration], dtype=tf.int64)


# No reduce_retracing: it would relax the time dimension to None once a model is
# evaluated on windows of another length, and MelodyRNN.call needs it static.
@tf.function(autograph=False)
def _eval_pass(model, inputs, labels, mask):
    logits, _, _ = model(inputs)
    return masked_sums(logits, labels, [mask])[0]


def evaluate(model: MelodyRNN, batch: dict[str, tf.Tensor], chunk: int = 256) -> dict[str, float]:
    """Teacher-forced NLL per event (nats), perplexity and accuracy on ``batch``, no dropout."""
    total = hits = count = 0.0
    for start in range(0, int(batch["inputs"].shape[0]), chunk):
        part = {k: v[start : start + chunk] for k, v in batch.items()}
        s, h, n = _eval_pass(model, part["inputs"], part["labels"], part["mask"]).numpy()
        total, hits, count = total + float(s), hits + float(h), count + float(n)
    loss = total / max(count, 1.0)
    return {"loss": loss, "perplexity": float(np.exp(loss)), "accuracy": hits / max(count, 1.0)}


class Checkpoint:
    """Every variable of a strategy, the iteration reached and the history so far, in one folder."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    @property
    def exists(self) -> bool:
        return (self.folder / "checkpoint.json").exists()

    def seconds(self) -> float:
        """Training time spent up to the last checkpoint, summed over every resumed session (0 if none)."""
        if not self.exists:
            return 0.0
        return float(json.loads((self.folder / "checkpoint.json").read_text()).get("seconds", 0.0))

    def save(self, strategy: strategies.Strategy, iteration: int, history: list[dict], seconds: float = 0.0) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        arrays = {
            f"v{i}": np.asarray(v.numpy() if hasattr(v, "numpy") else v) for i, v in enumerate(strategy.variables)
        }
        tmp = self.folder / "checkpoint.tmp.npz"
        np.savez(tmp, **arrays)
        tmp.replace(self.folder / "checkpoint.npz")
        meta = self.folder / "checkpoint.tmp.json"
        meta.write_text(json.dumps({"iteration": iteration, "history": history, "seconds": seconds}))
        meta.replace(self.folder / "checkpoint.json")

    def restore(self, strategy: strategies.Strategy) -> tuple[int, list[dict]]:
        arrays = np.load(self.folder / "checkpoint.npz")
        variables = strategy.variables
        if len(arrays.files) != len(variables):
            raise ValueError(
                f"checkpoint in {self.folder} holds {len(arrays.files)} variables, "
                f"the strategy has {len(variables)}: was the config changed?"
            )
        for i, variable in enumerate(variables):
            variable.assign(arrays[f"v{i}"])
        meta = json.loads((self.folder / "checkpoint.json").read_text())
        return meta["iteration"], meta["history"]


def train(
    config: ExperimentConfig,
    train_melodies: Sequence[np.ndarray],
    eval_melodies: Sequence[np.ndarray],
    folder: str | Path,
    *,
    progress: bool = True,
    stop_after: int | None = None,
    on_eval: Callable[[int, dict], None] | None = None,
) -> tuple[strategies.Strategy, pd.DataFrame]:
    """Train ``config``'s strategy, resuming from ``folder``'s checkpoint if there is one.

    Args:
        config: the experiment (its strategy, model and training settings).
        train_melodies, eval_melodies: encoded melodies of the two sides of the split.
        folder: where checkpoints and the history go.
        progress: show a progress bar.
        stop_after: stop (after checkpointing) once this iteration is reached, as if
            killed; used by the resume test.
        on_eval: called with ``(iteration, metrics)`` after each evaluation.

    Returns:
        The trained strategy (its ``model`` holds the weights) and the history:
        one row per training iteration (``phase="train"``) and per evaluation
        (``phase="eval"``).
    """
    folder = Path(folder)
    t = config.train
    set_seed(config.seed)
    with private_keras_seeds(config.seed):
        model = build(config.model)
        strategy = strategies.make(model, config)
    batcher = Batcher(train_melodies, t.window, t.batch_size, config.seed)
    held_out = eval_windows(eval_melodies, t.window, t.eval_windows)
    checkpoint = Checkpoint(folder)
    start, history = checkpoint.restore(strategy) if checkpoint.exists else (0, [])
    spent, clock = checkpoint.seconds(), time.perf_counter()  # training time, carried across resumes

    def record_eval(iteration: int) -> None:
        metrics = evaluate(model, held_out)
        history.append({"iteration": iteration, "phase": "eval", **metrics})
        if on_eval:
            on_eval(iteration, metrics)

    if start == 0 and not history:
        record_eval(0)
    bar = tqdm(
        range(start, t.iterations),
        initial=start,
        total=t.iterations,
        disable=not progress,
        desc=config.strategy.name,
        unit="it",
    )
    for iteration in bar:
        metrics = strategy.train_step(batcher.batch(iteration), iteration, step_seed(config.seed, iteration))
        history.append({"iteration": iteration + 1, "phase": "train", **metrics})
        done = iteration + 1
        if done % t.eval_every == 0 or done == t.iterations:
            record_eval(done)
            bar.set_postfix(loss=f"{metrics['loss']:.3f}", eval=f"{history[-1]['loss']:.3f}")
        if done % t.checkpoint_every == 0 or done == t.iterations or done == stop_after:
            checkpoint.save(strategy, done, history, spent + time.perf_counter() - clock)
        if stop_after is not None and done >= stop_after:
            break
    bar.close()
    return strategy, pd.DataFrame(history)
