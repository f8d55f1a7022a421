"""What the data chapter says about the corpus: its counts, its commonest notes, the melodies it shows.

The data chapter (``book/01_data.py``) prepares the corpus of its parameters cell
(:func:`prepare`) and shows it; the sentences and glued numbers it states, and the
training melodies it draws to show and play, are built here so that a unit test
reaches them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from melodyreg import config
from melodyreg import constants as C
from melodyreg.data import dataset, splits
from melodyreg.data.melodies import decode
from melodyreg.prose import counted, joined
from melodyreg.report import plots
from melodyreg.report.display import melody_players

EXAMPLES = 3  # training melodies the chapter shows and plays
SHOWN_STEPS = 256  # steps of each example shown in the piano roll and played
COMMON_CLASSES = 3  # pitch classes named as the commonest
DEGREES = ("tonic", "raised tonic", "supertonic", "minor third", "major third", "subdominant", "tritone",
           "dominant", "minor sixth", "major sixth", "minor seventh", "leading tone")  # fmt: skip  # above C


def prepare(parameters: Mapping[str, object]) -> tuple[config.DataConfig, dataset.Corpus, splits.Split]:
    """The corpus of a chapter's parameters (``profile``, ``source``, ``path``, ``maestro_split``,
    ``workers``), prepared (or read from the cache) and split with its ``seed``.

    Raises:
        KeyError: a parameter is missing.
    """
    data = config.data_config(
        parameters["profile"],
        source=parameters["source"],
        path=parameters["path"],
        maestro_split=parameters["maestro_split"],
    )
    corpus = dataset.prepare(data, workers=parameters["workers"])
    return data, corpus, splits.split(corpus, parameters["seed"])


def summary_line(data: config.DataConfig, corpus: dataset.Corpus, parts: splits.Split) -> str:
    """What was read, what it gave, how the split came out and which tunes were merged (Markdown)."""
    summary = corpus.summary()
    where = ", ".join(data.collections) if data.source in ("folk", "essen") else data.path
    share = {side: len(getattr(parts, side)) / len(corpus.melodies) for side in ("test", "valid")}
    return (
        f"Read **{summary['pieces read']:,}** pieces from `{data.source}` ({where}); "
        f"**{summary['pieces with melodies']:,}** gave at least one melody, "
        f"**{summary['melodies']:,}** melodies of **{summary['steps']:,}** steps in all. "
        f"The test side holds **{len(parts.test):,}** melodies ({share['test']:.1%}), "
        f"the validation side **{len(parts.valid):,}** ({share['valid']:.1%}). "
        f"Before splitting, **{parts.duplicate_tunes:,}** tunes were found written down more than once "
        f"({parts.duplicates:,} copies merged into them, {parts.near_duplicates:,} of them near-copies that "
        f"no exact comparison finds); each is kept on one side."
    )


def common_pitch_classes(melodies: Sequence[np.ndarray], top: int = COMMON_CLASSES) -> str:
    """The ``top`` most frequent pitch classes of note onsets, with their degree above C, most common first."""
    onsets = plots.event_class_counts(melodies).query("kind == 'note on'")
    pitch = onsets["class"].to_numpy() - 2 + C.MIN_PITCH
    per_class = (
        pd.Series(onsets["count"].to_numpy()).groupby(pitch % 12).sum().sort_values(ascending=False, kind="stable")
    )
    names = [f"{plots.PITCH_NAMES[pc]} ({DEGREES[pc]})" for pc in per_class.index[:top] if per_class[pc] > 0]
    return joined(names) if names else "none"


def training_glue(melodies: Sequence[np.ndarray]) -> dict[str, str]:
    """The commonest pitch classes of the training melodies and their share of ``NO_EVENT`` steps."""
    return {
        "common-pitch-classes": common_pitch_classes(melodies),
        "data-no-event": f"{np.mean(np.concatenate(melodies) == C.CLASS_NO_EVENT):.0%}",
    }


def examples(parts: splits.Split, seed: int, count: int = EXAMPLES) -> list[int]:
    """``count`` training melodies drawn with ``seed`` (all of them when there are fewer)."""
    rng = np.random.default_rng(seed)
    return [int(i) for i in rng.choice(parts.train, size=min(count, len(parts.train)), replace=False)]


def title(corpus: dataset.Corpus, index: int) -> str:
    """The title of melody ``index``'s piece, or the piece's name where it has none."""
    piece = corpus.melody_piece[index]
    return corpus.titles[piece] or corpus.pieces[piece]


def piano_roll(corpus: dataset.Corpus, index: int):
    """The piano roll of melody ``index``'s first :data:`SHOWN_STEPS` steps, titled."""
    return plots.piano_roll(corpus.melodies[index][:SHOWN_STEPS], title(corpus, index))


def piano_roll_caption(corpus: dataset.Corpus, index: int) -> str:
    """The caption of :func:`piano_roll`: which melody, and how much of it."""
    length = len(corpus.melodies[index])
    shown = min(length, SHOWN_STEPS)
    return (
        f"Piano roll of a training melody drawn with the chapter's seed, *{title(corpus, index)}*, "
        + (f"its first {shown} steps" if shown < length else f"all {shown} steps")
        + "; dotted lines mark every 16 steps (four quarter notes), a grid for reading the rhythm, not the tune's "
        "bar lines: the encoded melodies keep no time signature, and a tune in 6/8, say, has bars of 12 steps."
    )


def players(corpus: dataset.Corpus, indices: Sequence[int]) -> list:
    """An audio player for the first :data:`SHOWN_STEPS` steps of each melody, labelled with its title."""
    return melody_players(
        [decode(corpus.melodies[i][:SHOWN_STEPS]) for i in indices],
        [title(corpus, i) for i in indices],
        stem="training-melody",
    )


def threshold_note(sample: splits.ThresholdSample) -> str:
    """How many pairs of melodies from different tunes lie on each side of the near-copy threshold, within
    the sample's band, and what the table and players show of them; for a split that merges no
    near-copies (MAESTRO), that there is nothing to show."""
    if not sample.merges:
        return "This corpus is split by composition, and its split merges no near-copies, so no pairs are drawn here."
    low, high = sample.threshold - sample.band, sample.threshold + sample.band
    return (
        f"Pairs of melodies from different tunes with an index from {low:g} to {high:g}: "
        f"{sample.in_band['at or above']:,} at or above the threshold, {sample.in_band['below']:,} below it."
    )


def _index(value: float) -> str:
    """A Jaccard index to four decimals, rounded down: a pair below the threshold never shows as reaching it."""
    return f"{np.floor(value * 1e4) / 1e4:.4f}"


def _named(corpus: dataset.Corpus, index: int) -> str:
    return f"{title(corpus, index)} ({corpus.collections[corpus.melody_piece[index]]})"


def threshold_table(corpus: dataset.Corpus, sample: splits.ThresholdSample) -> pd.DataFrame:
    """The pairs of a :class:`~melodyreg.data.splits.ThresholdSample` as a reader sees them: which side of
    the near-copy threshold, the Jaccard index (four decimals, so that no pair below the threshold
    shows as reaching it), and each melody's title and collection."""
    pairs = sample.pairs
    return pd.DataFrame(
        {
            "side of the threshold": pairs["side"],
            "Jaccard index": pairs["jaccard"].map(_index),
            "one melody": [_named(corpus, i) for i in pairs["first"]],
            "the other": [_named(corpus, i) for i in pairs["second"]],
        }
    )


def threshold_pairs(sample: splits.ThresholdSample) -> pd.DataFrame:
    """Of each side's drawn pairs, the one nearest the threshold: the pairs the chapter plays."""
    nearest = [
        rows.loc[rows["jaccard"].idxmin() if side == "at or above" else rows["jaccard"].idxmax()]
        for side, rows in sample.pairs.groupby("side", sort=False)
    ]
    return pd.DataFrame(nearest, columns=sample.pairs.columns).reset_index(drop=True)


def threshold_players(corpus: dataset.Corpus, sample: splits.ThresholdSample) -> list:
    """Audio players for the first :data:`SHOWN_STEPS` steps of both melodies of each of
    :func:`threshold_pairs`, labelled with title, collection, the pair's side of the threshold and its index."""
    indices, labels = [], []
    for _, row in threshold_pairs(sample).iterrows():
        for i in (int(row["first"]), int(row["second"])):
            indices.append(i)
            labels.append(f"{_named(corpus, i)}: a pair {row['side']} the threshold, index {_index(row['jaccard'])}")
    return melody_players([decode(corpus.melodies[i][:SHOWN_STEPS]) for i in indices], labels, stem="near-copy")


def closing_glue(corpus: dataset.Corpus, parts: splits.Split, nearest: pd.DataFrame) -> dict[str, str]:
    """The chapter's counts: melodies, steps, each side, merged tunes and near-copies, and each held-out
    side's median similarity to its nearest training melody."""
    summary = corpus.summary()
    values = {
        "data-melodies": f"{summary['melodies']:,}",
        "data-steps": f"{summary['steps']:,}",
        "data-train": f"{len(parts.train):,}",
        "data-valid": f"{len(parts.valid):,}",
        "data-test": f"{len(parts.test):,}",
        "data-duplicates": f"{parts.duplicate_tunes:,}",
        "data-near-copies": counted(parts.near_duplicates, "copy", "copies"),
        "data-near-threshold": f"{C.NEAR_DUPLICATE:g}",
    }
    for side, median in nearest.groupby("side").similarity.median().items():
        values[f"data-nearest-{side}"] = f"{median:.2f}"
    return values
