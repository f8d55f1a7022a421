"""Hidden states in training and in generation: the seeded subsamples and the t-SNE map the chapters show.

The poster compared the LSTM's hidden states while it reads real melodies
(teacher-forced) with those while it generates (free-running). Both sets are
subsampled to the same size with :func:`subsample`, the one rule the t-SNE
panels and the two-sample tests of :mod:`melodyreg.evaluation.evidence` share.

The poster's two sets differ in more than who wrote the input: generated melodies
start at a tune's beginning (middle C), training windows anywhere in a tune. So
:func:`matched_tests` also compares them where nothing else differs: one network
reads the same real openings of the same melodies, then either goes on reading the
real continuation (teacher-forced) or its own samples (free-running), and the two
sides are taken at the same positions. Its memorization baseline takes training and
test melodies' teacher-forced states at those positions too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from melodyreg import constants as C
from melodyreg.evaluation import measures
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


def matched_states(
    model, real: np.ndarray, opening: int, *, temperature: float = 1.0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """One network's states at the same positions of the same melodies, reading the real continuation or
    its own.

    Both sides read the real ``opening`` events of each row of ``real``; then the teacher-forced side
    reads the melody's real events and the free-running side the events it samples itself.

    Args:
        model: a trained :class:`~melodyreg.model.network.MelodyRNN`.
        real: [N, T] event classes of N real melodies (T > ``opening``).
        opening: events read on both sides before they part.

    Returns:
        ``(teacher, free)``, each [N, T - opening, H]: the states after reading events ``opening`` … T − 1.
    """
    teacher = generation.teacher_forced_states(model, real)[:, opening:]
    free = generation.continue_from(model, real[:, :opening], real.shape[1], temperature=temperature, seed=seed)
    return teacher, free.hidden[:, opening:]


def _flat(states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """[N, L, H] states as [N·L, H] rows and the melody of each row."""
    return states.reshape(-1, states.shape[-1]), np.repeat(np.arange(states.shape[0]), states.shape[1])


MATCHED_NAN = dict.fromkeys(
    ("matched_auc", "matched_accuracy", "matched_mmd", "matched_mmd_p", "matched_memo_auc", "matched_memo_mmd"), np.nan
)


def matched_tests(
    model,
    train: np.ndarray,
    test: np.ndarray,
    *,
    opening: int = C.MATCHED_OPENING,
    per_side: int = 1000,
    temperature: float = 1.0,
    seed: int = 0,
    permutations: int = 200,
) -> dict[str, float]:
    """The two-sample tests at matched positions (see the module's docstring).

    ``matched_*``: teacher-forced against free-running states on the same training melodies, at the same
    (seeded) ``per_side`` positions on both sides, paired by melody (:func:`measures.two_sample`).
    ``matched_memo_*``: teacher-forced states on training against test melodies at the same positions
    past the opening (memorization, two different sets of melodies).

    Args:
        train, test: [N, T] event classes of real melodies (:func:`melodyreg.data.windows.opening_classes`).

    Returns:
        The measures of :data:`MATCHED_NAN`; NaN when either set has fewer than two melodies.
    """
    if len(train) < 2 or len(test) < 2:
        return dict(MATCHED_NAN)
    teacher, free = matched_states(model, train, opening, temperature=temperature, seed=seed)
    (teacher, groups), (free, _) = _flat(teacher), _flat(free)
    rng = np.random.default_rng(seed)
    keep = subsample(rng, len(teacher), per_side)  # the same positions on both sides
    options = {"seed": seed, "permutations": permutations}
    paired = measures.two_sample(teacher[keep], free[keep], groups=(groups[keep], groups[keep]), paired=True, **options)
    held_out, test_groups = _flat(generation.teacher_forced_states(model, test)[:, opening:])
    other = subsample(rng, len(held_out), per_side)
    memo = measures.two_sample(teacher[keep], held_out[other], groups=(groups[keep], test_groups[other]), **options)
    return {
        **{f"matched_{k}": paired[k] for k in ("auc", "accuracy", "mmd", "mmd_p")},
        "matched_memo_auc": memo["auc"],
        "matched_memo_mmd": memo["mmd"],
    }


def tsne_frame(states: dict[str, tuple[np.ndarray, np.ndarray]], seed: int) -> pd.DataFrame:
    """t-SNE (2-D) of each strategy's two hidden-state sets, embedded together per strategy.

    Returns:
        One row per state: ``x``, ``y``, ``strategy`` (its name) and ``states`` (which set).
    """
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
                    "strategy": name,
                    "states": ["training (teacher-forced)"] * len(teacher) + ["generation (free-running)"] * len(free),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
