"""Hidden states in training and in generation: the seeded subsamples and the t-SNE map the chapters show.

The poster compared the LSTM's hidden states while it reads real melodies
(teacher-forced) with those while it generates (free-running). Both sets are
subsampled to the same size with :func:`subsample`, the one rule the t-SNE
panels and the two-sample tests of :mod:`melodyreg.evaluation.evidence` share.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from melodyreg import constants as C
from melodyreg.model import generation
from melodyreg.runs import store
from melodyreg.runs.study import Study, state_batch


def subsample(rng: np.random.Generator, count: int, per_side: int) -> np.ndarray:
    """Indices of at most ``per_side`` of ``count`` states, drawn without replacement from ``rng``."""
    return rng.choice(count, size=min(per_side, count), replace=False)


def hidden_state_sets(
    study: Study,
    samples: dict[str, generation.Generated],
    runs: dict[str, store.Run],
    *,
    per_side: int = 1000,
    window: int = 128,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per strategy: one network's hidden states, teacher-forced on training windows and free-running in
    the melodies it generated.

    Both sides are subsampled (seeded) to at most ``per_side`` states each.

    Args:
        samples: each strategy's generated melodies, with their hidden states.
        runs: the run that generated each strategy's ``samples``
            (:attr:`melodyreg.evaluation.evidence.Evidence.sample_runs`): its network reads the
            training windows, so a panel never sets one network's states beside another's.

    Returns:
        ``{strategy: (teacher_forced [n, H], free_running [m, H])}``, for the strategies of ``samples``.

    Raises:
        ValueError: a strategy's samples have no run to read the training windows with.
    """
    missing = sorted(set(samples) - set(runs))
    if missing:
        raise ValueError(f"no run for the samples of {', '.join(missing)}: pass the runs that generated them")
    rng = np.random.default_rng(study.seed)
    batch = state_batch(study, per_side, window)
    out = {}
    for name in samples:
        run = runs[name]
        states, mask = generation.teacher_forced_hidden(run.model(), batch)
        teacher = states[mask]
        free = samples[name].hidden.reshape(-1, samples[name].hidden.shape[-1])
        teacher = teacher[subsample(rng, len(teacher), per_side)]
        out[name] = (teacher, free[subsample(rng, len(free), per_side)])
    return out


def tsne_frame(states: dict[str, tuple[np.ndarray, np.ndarray]], seed: int) -> pd.DataFrame:
    """t-SNE (2-D) of each strategy's two hidden-state sets, embedded together per strategy."""
    from sklearn.manifold import TSNE

    frames = []
    for name, (teacher, free) in states.items():
        both = np.concatenate([teacher, free])
        perplexity = float(min(30, max(5, (len(both) - 1) // 4)))
        xy = TSNE(2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(both)
        frames.append(
            pd.DataFrame(
                {
                    "x": xy[:, 0],
                    "y": xy[:, 1],
                    "strategy": C.STRATEGY_LABELS[name],
                    "states": ["training (teacher-forced)"] * len(teacher) + ["generation (free-running)"] * len(free),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
