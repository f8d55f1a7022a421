"""The study the chapters show: four strategies trained on one corpus and split, their samples,
and the poster's comparisons recomputed (hidden states, losses, log-likelihoods, claims).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from melodyreg import config, dataset, generation, store, training
from melodyreg import constants as C
from melodyreg.config import STRATEGIES


@dataclass
class Study:
    """A corpus, its split and one finished run per strategy."""

    profile: str
    seed: int
    corpus: dataset.Corpus
    parts: dataset.Split
    runs: dict[str, store.Run]

    def melodies(self, side: str) -> list[np.ndarray]:
        """Encoded melodies of the ``train`` or ``eval`` side."""
        return [self.corpus.melodies[i] for i in getattr(self.parts, side)]


def run_study(profile: str = "poster", *, seed: int = 2017, source: str | None = None, path: str | None = None,
              maestro_split: str | None = None, workers: int | None = None,
              overrides: dict | None = None, strategies: Sequence[str] = STRATEGIES) -> Study:
    """Prepare the corpus and make sure every strategy's run exists (trained here or reused).

    All four strategies are trained together, two at a time, the first time any
    chapter asks, so later chapters reuse the finished runs.
    """
    data = config.data_config(profile, source=source, path=path, maestro_split=maestro_split)
    corpus = dataset.prepare(data, workers=workers)
    parts = dataset.split(corpus, seed)
    configs = [config.experiment_config(profile, name, seed=seed, data=data, **(overrides or {}))
               for name in strategies]
    runs = store.ensure_runs(configs, corpus, parts)
    return Study(profile, seed, corpus, parts, {c.strategy.name: r for c, r in zip(configs, runs)})


def sample(study: Study, *, num: int = 10, steps: int = 128, primer: Sequence[int] = C.DEFAULT_PRIMER,
           temperature: float = 1.0) -> dict[str, generation.Generated]:
    """``num`` melodies of ``steps`` steps per strategy, primed with ``primer``, seeded by the study."""
    return {name: generation.generate(run.model(), num=num, steps=steps, primer=primer,
                                      temperature=temperature, seed=study.seed)
            for name, run in study.runs.items()}


def curves(study: Study, names: Sequence[str] | None = None, smooth: int = 50) -> pd.DataFrame:
    """Loss curves: training loss (moving mean over ``smooth`` iterations) and evaluation loss."""
    frames = []
    for name in names or study.runs:
        history = study.runs[name].history
        train = history[history.phase == "train"][["iteration", "loss"]].copy()
        train["loss"] = train["loss"].rolling(smooth, min_periods=1).mean()
        train["phase"] = "train"
        held = history[history.phase == "eval"][["iteration", "loss"]].copy()
        held["phase"] = "eval"
        frame = pd.concat([train, held])
        frame["strategy"] = C.STRATEGY_LABELS[name]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def final_losses(study: Study, tail: float = 0.1) -> pd.DataFrame:
    """Per strategy: mean training loss over the last ``tail`` of iterations and the final held-out metrics."""
    rows = []
    for name, run in study.runs.items():
        h = run.history
        train = h[h.phase == "train"]
        last = train[train.iteration > train.iteration.max() * (1 - tail)]
        held = h[h.phase == "eval"].iloc[-1]
        rows.append({"strategy": name, "train loss": last.loss.mean(), "eval loss": held.loss,
                     "eval perplexity": held.perplexity, "eval accuracy": held.accuracy,
                     "training seconds": run.seconds})
    return pd.DataFrame(rows)


def likelihood_table(study: Study, samples: dict[str, generation.Generated]) -> pd.DataFrame:
    """The poster's "log likelihood" table, with ours beside it, per step and the held-out NLL."""
    losses = final_losses(study).set_index("strategy")
    rows = []
    for name, sampled in samples.items():
        ll = sampled.log_likelihood
        rows.append({
            "strategy": C.STRATEGY_LABELS[name],
            "poster log-likelihood": C.POSTER_LOG_LIKELIHOOD[name],
            "ours: mean log-likelihood": ll.mean(),
            "ours: sd": ll.std(ddof=1) if len(ll) > 1 else 0.0,
            "ours: per generated step": ll.mean() / sampled.log_probs.shape[1],
            "held-out NLL per event": losses.loc[name, "eval loss"],
        })
    return pd.DataFrame(rows)


def hidden_state_sets(study: Study, samples: dict[str, generation.Generated], *, per_side: int = 1000,
                      window: int = 128) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per strategy: teacher-forced hidden states on training windows and free-running ones from its samples.

    Both sides are subsampled (seeded) to at most ``per_side`` states each.

    Returns:
        ``{strategy: (teacher_forced [n, H], free_running [m, H])}``.
    """
    rng = np.random.default_rng(study.seed)
    count = max(1, int(np.ceil(per_side / window)))
    batch = training.Batcher(study.melodies("train"), window, count, study.seed).batch(0)
    out = {}
    for name, run in study.runs.items():
        states, mask = generation.teacher_forced_hidden(run.model(), batch)
        teacher = states[mask]
        free = samples[name].hidden.reshape(-1, samples[name].hidden.shape[-1])
        pick = lambda a: a[rng.choice(len(a), size=min(per_side, len(a)), replace=False)]  # noqa: E731
        out[name] = (pick(teacher), pick(free))
    return out


def tsne_frame(states: dict[str, tuple[np.ndarray, np.ndarray]], seed: int) -> pd.DataFrame:
    """t-SNE (2-D) of each strategy's two hidden-state sets, embedded together per strategy."""
    from sklearn.manifold import TSNE

    frames = []
    for name, (teacher, free) in states.items():
        both = np.concatenate([teacher, free])
        perplexity = float(min(30, max(5, (len(both) - 1) // 4)))
        xy = TSNE(2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(both)
        frames.append(pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "strategy": C.STRATEGY_LABELS[name],
                                    "states": ["training (teacher-forced)"] * len(teacher)
                                    + ["generation (free-running)"] * len(free)}))
    return pd.concat(frames, ignore_index=True)


def state_separability(states: dict[str, tuple[np.ndarray, np.ndarray]], seed: int) -> pd.DataFrame:
    """How well a logistic regression tells training from generation states (5-fold accuracy).

    0.5 means the two sets cannot be told apart; 1.0 means they never overlap.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rows = []
    for name, (teacher, free) in states.items():
        x = np.concatenate([teacher, free])
        y = np.r_[np.zeros(len(teacher)), np.ones(len(free))]
        folds = StratifiedKFold(5, shuffle=True, random_state=seed)
        clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        rows.append({"strategy": name, "separability": cross_val_score(clf, x, y, cv=folds).mean()})
    return pd.DataFrame(rows)


def sample_frame(samples: dict[str, generation.Generated]) -> pd.DataFrame:
    """Every generated melody's log-likelihood: strategy (label and name), melody number, value."""
    return pd.DataFrame([{"strategy": C.STRATEGY_LABELS[name], "name": name, "melody": i + 1,
                          "log_likelihood": float(ll)}
                         for name, sampled in samples.items() for i, ll in enumerate(sampled.log_likelihood)])


# Hidden states per side in the t-SNE panels, per profile (t-SNE cost grows with the square).
TSNE_STATES = {"smoke": 200, "poster": 1000}
