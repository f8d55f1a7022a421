"""What a run's training history says: final losses, gate and discriminator shares, gradient norms.

Every run stores its history (one row per training iteration and per evaluation;
:attr:`melodyreg.runs.store.Run.history`). These functions read numbers from it, by
strategy name, for the chapters and for the evaluation's tables; how they are
labelled and drawn is the report layer's business (:mod:`melodyreg.report.regularizers`).
"""

from __future__ import annotations

import pandas as pd

from melodyreg.runs import store
from melodyreg.runs.study import Study

TAIL = 0.1  # the share of the last iterations whose training loss is a run's "final" training loss


def final_train_loss(history: pd.DataFrame, tail: float = TAIL) -> float:
    """Mean training loss over the last ``tail`` of a run's iterations."""
    train = history[history.phase == "train"]
    return float(train[train.iteration > train.iteration.max() * (1 - tail)].loss.mean())


def column_mean(frame: pd.DataFrame, column: str) -> float:
    """The mean of a history column, NaN where the strategy does not log it (e.g. gates outside professor forcing)."""
    return float(frame[column].mean()) if column in frame else float("nan")


def gradient_norms(run: store.Run) -> dict[str, float]:
    """The generator's gradient norm (before clipping) on training steps with professor forcing's adversarial
    term on and off.

    Returns:
        ``on`` and ``off``: median norms (NaN where no step had that state; every step is "off" for a
        strategy without the term); ``clipped``: the share of "on" steps at or above the clipping norm;
        ``clip``: that norm. In the ``separate`` design the norm is the NLL's alone.
    """
    train = run.history[run.history.phase == "train"]
    gate = train["gate_generator"] if "gate_generator" in train else pd.Series(0.0, index=train.index)
    on, off = train.grad_norm[gate > 0.5], train.grad_norm[gate <= 0.5]
    clip = run.config.train.clip_norm
    return {
        "on": float(on.median()) if len(on) else float("nan"),
        "off": float(off.median()) if len(off) else float("nan"),
        "clipped": float((on >= clip).mean()) if len(on) else float("nan"),
        "clip": clip,
    }


def final_losses(study: Study, tail: float = TAIL) -> pd.DataFrame:
    """Per strategy: mean training loss over the last ``tail`` of iterations and the final held-out metrics."""
    rows = []
    for name, run in study.runs.items():
        h = run.history
        held = h[h.phase == "eval"].iloc[-1]
        rows.append(
            {
                "strategy": name,
                "train loss": final_train_loss(h, tail),
                "eval loss": held.loss,
                "eval perplexity": held.perplexity,
                "eval accuracy": held.accuracy,
                "training seconds": round(run.seconds),  # a wall time: whole seconds say all it can
            }
        )
    return pd.DataFrame(rows)


def design_table(study: Study, tail: float = TAIL) -> pd.DataFrame:
    """Per professor-forcing design: gate-open share, discriminator accuracy, the generator's gradient norm
    on steps with the adversarial term on and off (:func:`gradient_norms`), final training NLL, and
    validation NLL (final and lowest)."""
    rows = []
    for design, run in {"baseline": study.runs["baseline"], **study.designs}.items():
        h = run.history
        train, held = h[h.phase == "train"], h[h.phase == "eval"]
        norms = gradient_norms(run)
        rows.append(
            {
                "run": design if design == "baseline" else f"professor forcing ({design})",
                "adversarial term on (share)": column_mean(train, "gate_generator"),
                "discriminator accuracy": column_mean(train, "d_accuracy"),
                "gradient norm, term on (median)": norms["on"],
                "gradient norm, term off (median)": norms["off"],
                "training NLL (last 10 %)": final_train_loss(h, tail),
                "validation NLL (final)": float(held.loss.iloc[-1]),
                "validation NLL (lowest)": float(held.loss.min()),
            }
        )
    return pd.DataFrame(rows)


def gate_measures(run: store.Run, tail: float = TAIL) -> dict[str, float]:
    """Professor forcing's gates and discriminator over a run's training iterations.

    Returns:
        ``gate_on``: the share of iterations with the adversarial term on; ``d_updated``: the share with
        the discriminator updated; ``d_accuracy``: the discriminator's mean accuracy over all iterations
        (as :func:`melodyreg.evaluation.evidence.history_measures` averages it); ``d_accuracy_late``: over
        the last ``tail`` of the iterations.

    Raises:
        ValueError: the run logs no gates (it is not professor forcing).
    """
    train = run.history[run.history.phase == "train"]
    if "gate_generator" not in train:
        raise ValueError(f"{run.folder} logs no gates: only professor forcing has them")
    late = train[train.iteration > train.iteration.max() * (1 - tail)]
    return {
        "gate_on": float(train.gate_generator.mean()),
        "d_updated": float(train.gate_discriminator.mean()),
        "d_accuracy": float(train.d_accuracy.mean()),
        "d_accuracy_late": float(late.d_accuracy.mean()),
    }
