"""Measures that tell the strategies apart without trusting the model's opinion of its own samples.

* :func:`heldout_fit` — teacher-forced NLL per event, perplexity and accuracy on
  held-out melodies, overall and per kind of event (note onsets, ``NO_EVENT``,
  ``NOTE_OFF``).
* :func:`two_sample` — are teacher-forced and free-running hidden states two
  different distributions? The cross-validated ROC AUC of a logistic regression
  (0.5 = indistinguishable) and the kernel maximum mean discrepancy (MMD,
  Gretton et al. 2012) with a permutation p-value.
* :func:`exposure_curve` — exposure bias made visible: the NLL of real
  continuations after the real beginning of a melody, after another real
  melody's beginning, and after the model's own free-running beginning.
* :func:`feature_comparison` — generated against real melodies on the symbolic
  features of :mod:`melodyreg.evaluation.features` (overlap area and KL, Yang & Lerch).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import tensorflow as tf

from melodyreg import constants as C
from melodyreg.evaluation import diversity
from melodyreg.model.generation import continue_classes
from melodyreg.model.losses import masked_sums
from melodyreg.model.network import MelodyRNN

EVENT_KINDS = ("all", "note", "no_event", "note_off")


@tf.function(autograph=False)
def _fit_pass(model, inputs, labels, mask):
    logits, _, _ = model(inputs)
    kinds = [
        mask,
        mask * tf.cast(labels >= C.NUM_SPECIAL_EVENTS, tf.float32),
        mask * tf.cast(tf.equal(labels, C.CLASS_NO_EVENT), tf.float32),
        mask * tf.cast(tf.equal(labels, C.CLASS_NOTE_OFF), tf.float32),
    ]
    return masked_sums(logits, labels, kinds)


def heldout_fit(model: MelodyRNN, batch: dict[str, tf.Tensor], chunk: int = 256) -> dict[str, float]:
    """NLL per event (nats), perplexity and accuracy by kind of event, teacher-forced, no dropout.

    Args:
        batch: windows as :func:`melodyreg.data.windows.eval_windows` makes them.

    Returns:
        ``nll``, ``perplexity``, ``accuracy`` (all events) and ``nll_<kind>`` /
        ``accuracy_<kind>`` for ``note``, ``no_event`` and ``note_off`` (NaN for a
        kind that never occurs).
    """
    sums = np.zeros((len(EVENT_KINDS), 3))
    for start in range(0, int(batch["inputs"].shape[0]), chunk):
        part = {k: v[start : start + chunk] for k, v in batch.items()}
        sums += _fit_pass(model, part["inputs"], part["labels"], part["mask"]).numpy()
    if sums[0, 2] == 0:
        raise ValueError("no held-out events to evaluate")
    out = {}
    for kind, (nll, hits, count) in zip(EVENT_KINDS, sums):
        suffix = "" if kind == "all" else f"_{kind}"
        out[f"nll{suffix}"] = nll / count if count else float("nan")
        out[f"accuracy{suffix}"] = hits / count if count else float("nan")
    out["perplexity"] = float(np.exp(out["nll"]))
    return out


def _rbf_kernel(x: np.ndarray, bandwidth: float) -> np.ndarray:
    squared = np.sum(x * x, axis=1)
    distances = np.maximum(squared[:, None] + squared[None, :] - 2 * x @ x.T, 0.0)
    return np.exp(-distances / (2 * bandwidth**2))


def mmd(
    x: np.ndarray,
    y: np.ndarray,
    *,
    groups: tuple[np.ndarray, np.ndarray] | None = None,
    paired: bool = False,
    permutations: int = 200,
    seed: int = 0,
) -> tuple[float, float]:
    """Unbiased MMD² between samples ``x`` and ``y`` (Gaussian kernel, median-distance bandwidth) and its p-value.

    The p-value is the share of random relabellings of the pooled sample (plus
    the observed one) whose MMD² is at least the observed value. With ``groups``
    (the sequence of each row, per side), a relabelling moves **whole sequences**
    between the sides: neighbouring steps of one sequence are near-copies, and
    relabelling single steps would treat them as independent and make the
    p-value far too small. With ``paired`` as well, the two sides hold the same sequences'
    states at the same positions (row *i* of ``x`` matches row *i* of ``y``), and a relabelling
    swaps the sides of whole sequences, each with probability 1/2: the null is that reading one's
    own output instead of the real continuation changes nothing.

    Raises:
        ValueError: fewer than two points on a side, or different widths; ``paired`` sides that
            do not match row by row.
    """
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if len(x) < 2 or len(y) < 2 or x.shape[1] != y.shape[1]:
        raise ValueError(f"need two samples of >= 2 points of one width, got {x.shape} and {y.shape}")
    if paired and (groups is None or not np.array_equal(groups[0], groups[1])):
        raise ValueError("paired samples need the same sequence for row i of both sides")
    pooled = np.concatenate([x, y])
    rng = np.random.default_rng(seed)
    probe = pooled[rng.choice(len(pooled), size=min(len(pooled), 500), replace=False)]
    squared = np.sum(probe * probe, axis=1)
    distances = np.sqrt(np.maximum(squared[:, None] + squared[None, :] - 2 * probe @ probe.T, 0))
    bandwidth = float(np.median(distances[np.triu_indices(len(probe), 1)])) or 1.0
    kernel = _rbf_kernel(pooled, bandwidth)
    np.fill_diagonal(kernel, 0.0)

    def statistic(labels: np.ndarray) -> float:
        # block sums of the kernel through two matrix-vector products (no copies of the blocks)
        a = labels.astype(np.float64)
        b = 1.0 - a
        n, m = a.sum(), b.sum()
        ka, kb = kernel @ a, kernel @ b
        return float(a @ ka / (n * (n - 1)) + b @ kb / (m * (m - 1)) - 2 * a @ kb / (n * m))

    labels = np.r_[np.ones(len(x), bool), np.zeros(len(y), bool)]
    observed = statistic(labels)
    if groups is None:
        null = [statistic(rng.permutation(labels)) for _ in range(permutations)]
    elif paired:
        _, pair = np.unique(np.r_[groups[0], groups[1]], return_inverse=True)
        null = [statistic(labels ^ (rng.random(pair.max() + 1) < 0.5)[pair]) for _ in range(permutations)]
    else:
        # one id per sequence across both sides; a permutation draws which sequences are "x"
        _, sequence = np.unique(np.r_[np.asarray(groups[0]) * 2, np.asarray(groups[1]) * 2 + 1], return_inverse=True)
        first = np.unique(sequence[: len(x)])
        count = sequence.max() + 1
        null = []
        for _ in range(permutations):
            chosen = np.zeros(count, bool)
            chosen[rng.choice(count, size=len(first), replace=False)] = True
            relabelled = chosen[sequence]
            if 2 <= relabelled.sum() <= len(relabelled) - 2:
                null.append(statistic(relabelled))
    p_value = (1 + sum(v >= observed for v in null)) / (1 + len(null))
    return float(observed), float(p_value)


def two_sample(
    teacher: np.ndarray,
    free: np.ndarray,
    *,
    groups: tuple[np.ndarray, np.ndarray] | None = None,
    paired: bool = False,
    seed: int = 0,
    permutations: int = 200,
) -> dict[str, float]:
    """How different teacher-forced and free-running hidden states are.

    Args:
        groups: the sequence each state comes from, per side. Neighbouring steps of
            one sequence are alike, so folds keep a sequence's states together
            (otherwise the classifier is tested on near-copies of what it was
            trained on and the AUC is inflated). Without groups, states are
            treated as independent.
        paired: row *i* of both sides is one sequence at one position (see :func:`mmd`); a
            sequence's two sides then share a fold, so the classifier never meets the sequence
            it is tested on.

    Returns:
        ``auc``: cross-validated ROC AUC (up to 5 folds) of a standardised logistic
        regression (0.5 = indistinguishable, 1 = perfectly separated);
        ``accuracy``: its cross-validated accuracy; ``mmd``, ``mmd_p``: see :func:`mmd`.

    Raises:
        ValueError: fewer than two sequences on a side when ``groups`` are given.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x = np.concatenate([teacher, free])
    y = np.r_[np.zeros(len(teacher)), np.ones(len(free))]
    if groups is None:
        folds, fold_groups = StratifiedKFold(5, shuffle=True, random_state=seed), None
    else:
        counts = [len(np.unique(g)) for g in groups]
        if min(counts) < 2:
            raise ValueError(f"grouped folds need at least two sequences per side, got {counts}")
        # paired: one sequence's two sides share a fold; otherwise the sides never share one
        fold_groups = (
            np.concatenate(groups)
            if paired
            else np.concatenate([np.asarray(groups[0]) * 2, np.asarray(groups[1]) * 2 + 1])
        )
        folds = StratifiedGroupKFold(min(5, *counts), shuffle=True, random_state=seed)
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    score = cross_val_predict(clf, x, y, groups=fold_groups, cv=folds, method="predict_proba")[:, 1]
    statistic, p_value = mmd(teacher, free, groups=groups, paired=paired, permutations=permutations, seed=seed)
    return {
        "auc": float(roc_auc_score(y, score)),
        "accuracy": float(np.mean((score > 0.5) == y)),
        "mmd": statistic,
        "mmd_p": p_value,
    }


def usable_prefixes(
    melodies: Sequence[np.ndarray], prefixes: Sequence[int], continuation: int, minimum: int = 32
) -> tuple[int, ...]:
    """The prefix lengths, in order, up to the longest for which at least ``minimum`` melodies are long
    enough (prefix plus continuation); at least the shortest prefix.

    One set of melodies serves the whole curve (:func:`exposure_curve`), so the longest prefix
    decides which melodies take part: long prefixes leave only long melodies.
    """
    lengths = np.sort([len(m) for m in melodies])[::-1]
    kept = [p for p in sorted(prefixes) if len(lengths) >= minimum and lengths[minimum - 1] >= p + continuation]
    return tuple(kept) or (min(prefixes),)


def exposure_curve(
    model: MelodyRNN,
    melodies: Sequence[np.ndarray],
    *,
    prefixes: Sequence[int] = (1, 8, 16, 32, 64),
    continuation: int = 32,
    num: int = 128,
    seed: int = 0,
) -> pd.DataFrame:
    """NLL per event of a melody's real continuation after three kinds of beginning.

    For each held-out melody long enough (the first ``num``; at least two), and
    each prefix length *p*, the model reads one of three prefixes of *p* events
    and then the melody's real events *p* … *p* + ``continuation`` − 1 are scored
    teacher-forced:

    * ``real``: the melody's own first *p* events;
    * ``other``: the first *p* events of another real melody (the next one in
      the list): real music that the continuation does not follow;
    * ``own``: the model's own free run of *p* events, started from the melody's
      real first event (sampled at temperature 1).

    ``own − real`` mixes two things: a continuation that does not follow its
    prefix, and a prefix the model wrote itself. ``own − other`` keeps only the
    second, since both prefixes are foreign to the continuation: it is the
    exposure-bias cost of reading one's own output instead of real music.

    Returns:
        One row per prefix length: ``prefix``, ``real``, ``other``, ``own`` (nats
        per event), ``gap`` (own − real) and ``excess`` (own − other).

    Raises:
        ValueError: fewer than two melodies long enough, or a prefix length < 1.
    """
    if min(prefixes) < 1:
        raise ValueError(f"prefix lengths must be at least 1, got {list(prefixes)}")
    need = max(prefixes) + continuation
    chosen = [m[:need] for m in melodies if len(m) >= need][:num]
    if len(chosen) < 2:
        raise ValueError(
            f"need at least two melodies of {need} events (the longest prefix plus the "
            f"continuation), found {len(chosen)}"
        )
    real = np.stack(chosen).astype(np.int32)
    other = np.roll(real, -1, axis=0)
    longest = max(prefixes)
    own = continue_classes(model, real[:, :1], longest, seed=seed) if longest > 1 else real[:, :1]
    rows = []
    for p in prefixes:
        targets = real[:, p : p + continuation]
        scores = {}
        for name, prefix in (("real", real[:, :p]), ("other", other[:, :p]), ("own", own[:, :p])):
            inputs = np.concatenate([prefix, real[:, p : p + continuation - 1]], axis=1)
            logits, _, _ = model(tf.constant(inputs))
            log_p = tf.gather(tf.nn.log_softmax(logits[:, p - 1 :]), targets, batch_dims=2).numpy()
            scores[name] = float(-log_p.mean())
        rows.append(
            {"prefix": p, **scores, "gap": scores["own"] - scores["real"], "excess": scores["own"] - scores["other"]}
        )
    return pd.DataFrame(rows)


def feature_comparison(generated: Sequence[Sequence[int]], reference: Sequence[Sequence[int]]) -> pd.DataFrame:
    """Yang & Lerch's comparison of ``generated`` against ``reference`` melodies (event values), per feature.

    For each feature: the intra-set distances of the reference set against the
    inter-set distances between the sets, as overlap area (1 = the generated
    melodies are as close to the real ones as the real ones are to each other)
    and KL divergence (0 = the same), beside the paper's other comparisons
    (:func:`melodyreg.evaluation.diversity.yang_lerch`).

    Returns:
        One row per feature: ``feature``, ``overlap``, ``kl``, and the columns of
        :func:`~melodyreg.evaluation.diversity.yang_lerch` (its ``overlap_inter`` and ``kl_inter``
        are ``overlap`` and ``kl``).

    Raises:
        ValueError: either set has fewer than two melodies.
    """
    table = diversity.yang_lerch(generated, reference)
    return table.rename(columns={"overlap_inter": "overlap", "kl_inter": "kl"})
