"""Quality and diversity of a set of generated melodies: measures a timid model cannot fool.

The log-likelihood of a model's own samples rewards low entropy; lowering the
sampling temperature of any model raises it, and raises most "quality"
measures with it, at the cost of diversity (Caccia et al. 2020). So a set of
melodies is judged on both axes:

* **quality**: :func:`overlap_quality`, the mean over the nine features of
  Yang & Lerch's overlap between the real set's intra-set distances and the
  generated-to-real inter-set distances (1: generated melodies sit among real
  ones as real ones sit among themselves); and the NLL of the melodies under a
  model that did not generate them (:func:`cross_nll`);
* **diversity**: :func:`intra_ratio`, the generated set's mean intra-set
  distance relative to the real set's, per feature, the median (0: every melody
  alike; 1: as varied as real music), and :func:`distinct_ngrams`, the share
  of distinct interval 4-grams across the set (0: one pattern repeated).

:func:`yang_lerch` compares the sets as the paper does: the intra-set
distances of *each* set and the inter-set distances, so a collapsed,
repetitive generator shows up as an intra-set distribution far from the real
one's, even when its melodies are individually plausible.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from melodyreg.data.melodies import notes
from melodyreg.evaluation import features

FEATURES = features.SCALAR_FEATURES + features.VECTOR_FEATURES
NGRAM = 4  # intervals per pattern


def interval_ngrams(events: Sequence[int], n: int = NGRAM) -> list[tuple[int, ...]]:
    """The melody's patterns of ``n`` consecutive intervals between note onsets (semitones)."""
    pitches = [p for p, _, _ in notes(events)]
    intervals = np.diff(pitches).tolist()
    return [tuple(intervals[i : i + n]) for i in range(len(intervals) - n + 1)]


def distinct_ngrams(melodies: Sequence[Sequence[int]], n: int = NGRAM) -> float:
    """Share of distinct interval ``n``-grams across the set: (distinct − 1) / (all − 1).

    0 when one pattern is all there is (a constant generator), 1 when no pattern
    repeats anywhere in the set; NaN when the set has fewer than two patterns.
    """
    grams = [g for m in melodies for g in interval_ngrams(m, n)]
    if len(grams) < 2:
        return float("nan")
    return (len(set(grams)) - 1) / (len(grams) - 1)


def intra_ratio(table: pd.DataFrame) -> float:
    """Diversity from a :func:`yang_lerch` table: the median over features of the generated set's
    mean intra-set distance over the real set's.

    0: every generated melody alike; about 1: as varied as the real melodies. The median, not
    the mean: a feature on which real melodies hardly vary (say the pitch range of tunes that all
    span an octave) gives a ratio that one odd melody can multiply. Features on which the real
    melodies do not vary at all are left out.
    """
    varied = table[table["intra_real"] > 0]
    return float((varied["intra_generated"] / varied["intra_real"]).median()) if len(varied) else float("nan")


def yang_lerch(generated: Sequence[Sequence[int]], real: Sequence[Sequence[int]]) -> pd.DataFrame:
    """Per feature, the three distance distributions of Yang & Lerch and how they compare.

    Columns: ``feature``; ``intra_real``, ``intra_generated``, ``inter`` (mean distances);
    ``overlap_inter`` and ``kl_inter`` (the real intra-set distribution against the inter-set
    one: quality); ``overlap_intra`` and ``kl_intra`` (the real intra-set distribution against
    the generated one: is the generated set as varied as the real one?); ``overlap_gen_inter``
    and ``kl_gen_inter`` (the generated intra-set distribution against the inter-set one, the
    paper's third comparison: a collapsed set sits far from its own distances to real music).

    Raises:
        ValueError: either set has fewer than two melodies.
    """
    if len(generated) < 2 or len(real) < 2:
        raise ValueError(f"need two or more melodies per set, got {len(generated)} and {len(real)}")
    rows = []
    for name in FEATURES:
        gen, ref = features.feature_matrix(generated, name), features.feature_matrix(real, name)
        intra_real, intra_gen = features.intra_distances(ref), features.intra_distances(gen)
        inter = features.inter_distances(gen, ref)
        overlap_inter, kl_inter = features.overlap_and_kl(intra_real, inter)
        overlap_intra, kl_intra = features.overlap_and_kl(intra_real, intra_gen)
        overlap_gen_inter, kl_gen_inter = features.overlap_and_kl(intra_gen, inter)
        rows.append(
            {
                "feature": name,
                "intra_real": float(intra_real.mean()),
                "intra_generated": float(intra_gen.mean()),
                "inter": float(inter.mean()),
                "overlap_inter": overlap_inter,
                "kl_inter": kl_inter,
                "overlap_intra": overlap_intra,
                "kl_intra": kl_intra,
                "overlap_gen_inter": overlap_gen_inter,
                "kl_gen_inter": kl_gen_inter,
            }
        )
    return pd.DataFrame(rows)


def overlap_quality(table: pd.DataFrame) -> float:
    """Quality from a :func:`yang_lerch` table: the mean inter-set overlap over the features."""
    return float(table["overlap_inter"].mean())


def cross_nll(judge, classes: np.ndarray, primer_length: int = 1) -> float:
    """NLL per sampled event of generated melodies under ``judge``, a model that did not generate them.

    Args:
        judge: a trained model (say a baseline of another seed).
        classes: [N, T] event classes, primer included.
        primer_length: events at the start that were given, not sampled (not scored).
    """
    from melodyreg.model.generation import teacher_forced_log_probs

    log_probs = teacher_forced_log_probs(judge, classes)  # [N, T - 1]: event t + 1 given events up to t
    return float(-log_probs[:, primer_length - 1 :].mean())


def set_measures(generated_events: Sequence[Sequence[int]], real_events: Sequence[Sequence[int]]) -> dict[str, float]:
    """Quality and diversity of one generated set against real melodies (no model needed)."""
    table = yang_lerch(generated_events, real_events)
    return {
        "overlap": overlap_quality(table),
        "overlap_intra": float(table["overlap_intra"].mean()),
        "overlap_gen_inter": float(table["overlap_gen_inter"].mean()),
        "intra_ratio": intra_ratio(table),
        "distinct_4grams": distinct_ngrams(generated_events),
    }
