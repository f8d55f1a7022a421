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
import sys
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import tensorflow as tf

from melodyreg import console
from melodyreg.config import ExperimentConfig
from melodyreg.data.windows import Batcher, eval_windows
from melodyreg.files import atomic_write
from melodyreg.model import strategies
from melodyreg.model.losses import masked_sums
from melodyreg.model.network import MelodyRNN, build
from melodyreg.model.scalars import Scalars


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


@dataclass
class Best:
    """The model's weights at its lowest validation loss so far (the "best validation checkpoint")."""

    iteration: int | None = None
    loss: float = float("inf")
    weights: list[np.ndarray] | None = None

    def offer(self, iteration: int, loss: float, model) -> None:
        """Keep ``model``'s weights if ``loss`` is the lowest seen."""
        if loss < self.loss:
            self.iteration, self.loss = iteration, float(loss)
            self.weights = [np.array(v.numpy()) for v in model.variables]


class Checkpoint:
    """Every variable of a strategy, the iteration reached and the history so far: one file, written atomically.

    ``checkpoint.npz`` holds the variables (``v0``, ``v1``, ...) and, in the same
    file, their iteration, history and training seconds (``meta``, JSON bytes), so
    weights can never be paired with another save's iteration. The save before
    it is kept as ``checkpoint.prev.npz``. Restoring takes the newest of the two
    that reads back whole (right number and shapes of arrays, all finite), with a
    one-line warning for one that does not; with neither, training starts at 0.
    """

    NAMES = ("checkpoint.npz", "checkpoint.prev.npz")

    def __init__(self, folder: Path, log: Callable[[str], None] | None = None):
        self.folder = Path(folder)
        self.log = log or (lambda message: print(message, file=sys.stderr))
        self.spent, self.restored_best = 0.0, Best()

    @property
    def exists(self) -> bool:
        return any((self.folder / name).exists() for name in self.NAMES)

    def save(
        self,
        strategy: strategies.Strategy,
        iteration: int,
        history: list[dict],
        seconds: float = 0.0,
        best: Best | None = None,
    ) -> None:
        arrays = {
            f"v{i}": np.asarray(v.numpy() if hasattr(v, "numpy") else v) for i, v in enumerate(strategy.variables)
        }
        info = {"iteration": iteration, "history": history, "seconds": seconds}
        if best is not None and best.weights is not None:
            arrays.update({f"b{i}": w for i, w in enumerate(best.weights)})
            info.update(best_iteration=best.iteration, best_loss=best.loss)
        meta = json.dumps(info).encode()
        arrays["meta"] = np.frombuffer(meta, dtype=np.uint8)

        def write(tmp: Path) -> None:
            with open(tmp, "wb") as handle:
                np.savez(handle, **arrays)

        current, previous = (self.folder / name for name in self.NAMES)
        self.folder.mkdir(parents=True, exist_ok=True)
        # the new file is complete before the old one moves aside; a kill in between leaves
        # the previous checkpoint, which restore() falls back to
        staged = atomic_write(self.folder / ".checkpoint.staged.npz", write)
        if current.exists():
            current.replace(previous)
        staged.replace(current)

    def _read(self, path: Path, shapes: list[tuple] | None) -> tuple[dict, list[np.ndarray]]:
        """The meta and arrays of one checkpoint file. Raises ValueError (or OSError) when it is damaged."""
        try:
            with np.load(path) as archive:
                files = set(archive.files)
                meta = json.loads(archive["meta"].tobytes().decode())
                arrays = [archive[f"v{i}"] for i in range(sum(f.startswith("v") for f in files))]
                meta["best_weights"] = [archive[f"b{i}"] for i in range(sum(f.startswith("b") for f in files))]
        except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as error:
            raise ValueError(f"unreadable ({type(error).__name__})") from error
        if {"iteration", "history", "seconds"} - set(meta):
            raise ValueError("its metadata is incomplete")
        if shapes is not None:
            if len(arrays) != len(shapes):
                raise ValueError(f"it holds {len(arrays)} variables, the strategy has {len(shapes)}")
            if any(tuple(a.shape) != tuple(s) for a, s in zip(arrays, shapes)):
                raise ValueError("its variables have other shapes than the strategy's")
        checked = arrays + meta["best_weights"]
        if not all(np.isfinite(a).all() for a in checked if np.issubdtype(a.dtype, np.floating)):
            raise ValueError("it holds non-finite values")
        return meta, arrays

    def latest(self, shapes: list[tuple] | None = None) -> tuple[dict, list[np.ndarray]] | None:
        """The newest checkpoint that reads back whole, or ``None``; damaged ones are reported and skipped."""
        for name in self.NAMES:
            path = self.folder / name
            if not path.exists():
                continue
            try:
                return self._read(path, shapes)
            except ValueError as problem:
                self.log(f"warning: checkpoint {path} is damaged ({problem}); falling back to an earlier one")
        return None

    def summary(self) -> tuple[float, Best]:
        """Training seconds (summed over resumed sessions) and the best validation checkpoint, read once
        from the last good checkpoint (0 and an empty :class:`Best` if there is none)."""
        found = self.latest()
        if not found:
            return 0.0, Best()
        meta = found[0]
        best = Best(meta["best_iteration"], meta["best_loss"], meta["best_weights"]) if meta["best_weights"] else Best()
        return float(meta["seconds"]), best

    def seconds(self) -> float:
        """Training time spent up to the last good checkpoint, summed over every resumed session (0 if none)."""
        return self.summary()[0]

    def best(self) -> Best:
        """The best validation checkpoint recorded in the last good checkpoint (empty if none)."""
        return self.summary()[1]

    def restore(self, strategy: strategies.Strategy) -> tuple[int, list[dict]]:
        """Load the newest good checkpoint into ``strategy``; returns its iteration and history (0 and [] if none)."""
        variables = strategy.variables
        found = self.latest([tuple(v.shape) for v in variables])
        if found is None:
            if self.exists:
                self.log(f"warning: no usable checkpoint in {self.folder}; training starts from iteration 0")
            self.spent = 0.0
            return 0, []
        meta, arrays = found
        for variable, value in zip(variables, arrays):
            variable.assign(value)
        self.spent = float(meta["seconds"])  # training time up to this checkpoint, across sessions
        if meta["best_weights"]:
            self.restored_best = Best(meta["best_iteration"], meta["best_loss"], meta["best_weights"])
        return int(meta["iteration"]), list(meta["history"])


def train(
    config: ExperimentConfig,
    train_melodies: Sequence[np.ndarray],
    eval_melodies: Sequence[np.ndarray],
    folder: str | Path,
    *,
    progress: bool = True,
    slot: int = 0,
    tensorboard: bool = True,
    stop_after: int | None = None,
    on_eval: Callable[[int, dict], None] | None = None,
    initial: Sequence[np.ndarray] | None = None,
) -> tuple[strategies.Strategy, pd.DataFrame]:
    """Train ``config``'s strategy, resuming from ``folder``'s checkpoint if there is one.

    Args:
        config: the experiment (its strategy, model and training settings).
        train_melodies, eval_melodies: encoded melodies of the two sides of the split.
        folder: where checkpoints and the history go.
        progress: show the run's progress on the terminal (:class:`melodyreg.console.RunProgress`).
        slot: the terminal line of this run's progress, for runs training side by side.
        tensorboard: also write the metrics as TensorBoard scalars in ``folder/tensorboard``
            (:mod:`melodyreg.model.scalars`).
        stop_after: stop (after checkpointing) once this iteration is reached, as if
            killed; used by the resume test.
        on_eval: called with ``(iteration, metrics)`` after each evaluation.
        initial: the model's weights to start from (a SeqGAN run's pre-trained generator), in the order
            of ``model.variables``; default: fresh weights from the seed.

    Returns:
        The trained strategy (its ``model`` holds the final weights) and the
        history: one row per training iteration (``phase="train"``) and per
        evaluation on ``eval_melodies`` (``phase="eval"``). The weights at the
        lowest evaluation loss are kept in the checkpoint (:meth:`Checkpoint.best`).
    """
    folder = Path(folder)
    t = config.train
    set_seed(config.seed)
    with private_keras_seeds(config.seed):
        model = build(config.model)
        for variable, value in zip(model.variables, initial or [], strict=initial is not None):
            variable.assign(value)
        strategy = strategies.make(model, config)
    iterations = strategy.iterations
    batcher = Batcher(train_melodies, t.window, t.batch_size, config.seed)
    held_out = eval_windows(eval_melodies, t.window, t.eval_windows)
    checkpoint = Checkpoint(folder)
    start, history = checkpoint.restore(strategy)
    spent, clock = checkpoint.spent, time.perf_counter()  # training time, carried across resumes
    best = checkpoint.restored_best

    scalars = Scalars(folder, enabled=tensorboard)

    def record_eval(iteration: int) -> None:
        metrics = evaluate(model, held_out)
        best.offer(iteration, metrics["loss"], model)
        history.append({"iteration": iteration, "phase": "eval", **metrics})
        scalars.valid(iteration, metrics)
        if on_eval:
            on_eval(iteration, metrics)

    if start == 0 and not history:
        record_eval(0)
    bar = console.RunProgress(config.label(), iterations, initial=start, slot=slot, enabled=progress)
    for iteration in range(start, iterations):
        metrics = strategy.train_step(batcher.batch(iteration), iteration, step_seed(config.seed, iteration))
        history.append({"iteration": iteration + 1, "phase": "train", **metrics})
        done = iteration + 1
        scalars.train(done, metrics)
        evaluated = done % t.eval_every == 0 or done == iterations
        if evaluated:
            record_eval(done)
        bar.update(done, metrics["loss"], history[-1]["loss"] if evaluated else None)
        if done % t.checkpoint_every == 0 or done == iterations or done == stop_after:
            checkpoint.save(strategy, done, history, spent + time.perf_counter() - clock, best)
        if stop_after is not None and done >= stop_after:
            break
    if iterations == 0 and not checkpoint.exists:  # nothing to train (SeqGAN without steps): the start is the end
        checkpoint.save(strategy, 0, history, spent + time.perf_counter() - clock, best)
    bar.close()
    scalars.close()
    return strategy, pd.DataFrame(history)
