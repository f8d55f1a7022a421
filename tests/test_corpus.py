"""What the data chapter says about the corpus, from hand-made corpora and splits."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from melodyreg.data.melodies import encode
from melodyreg.report import corpus as described


def corpus(lengths=(300, 40, 20, 10), titles=("Reel", "", "Jig", "Air")):
    """One melody per piece, of ``lengths`` steps; the second piece has no title."""
    n = len(lengths)
    return SimpleNamespace(
        melodies=[np.full(length, 2, dtype=np.int8) for length in lengths],
        melody_piece=np.arange(n),
        titles=list(titles),
        pieces=[f"piece{i}.abc" for i in range(n)],
        summary=lambda: {"pieces read": 5, "pieces with melodies": 4, "melodies": n, "steps": sum(lengths)},
    )


def split(train=(0, 1), valid=(2,), test=(3,)):
    return SimpleNamespace(train=np.array(train), valid=np.array(valid), test=np.array(test), duplicate_tunes=2,
                           duplicates=3, near_duplicates=1)  # fmt: skip


def test_common_pitch_classes_by_hand():
    # onsets: G4 three times, C4 and C5 (one class) twice, E4 once; NO_EVENT and NOTE_OFF are not onsets
    melody = encode([67, -2, 67, -1, 67, 60, 72, 64])
    assert described.common_pitch_classes([melody]) == "G (dominant), C (tonic) and E (major third)"
    assert described.common_pitch_classes([melody], top=1) == "G (dominant)"
    assert described.common_pitch_classes([encode([-2, -1])]) == "none"


def test_the_training_glue_gives_the_share_of_held_steps():
    melody = encode([67, -2, -2, -1])  # one onset, two held steps, one NOTE_OFF
    assert described.training_glue([melody]) == {"common-pitch-classes": "G (dominant)", "data-no-event": "50%"}


def test_the_summary_line_counts_pieces_melodies_sides_and_merged_tunes():
    data = SimpleNamespace(source="folk", collections=("oneills", "ryans"), path=None)
    line = described.summary_line(data, corpus(), split())
    assert line.startswith("Read **5** pieces from `folk` (oneills, ryans); **4** gave at least one melody")
    assert "The test side holds **1** melodies (25.0%), the validation side **1** (25.0%)." in line
    assert "**2** tunes were found written down more than once (3 copies merged into them, 1 of them" in line


def test_the_examples_are_drawn_with_the_seed_from_the_training_side():
    parts = split(train=(0, 1, 2, 3), valid=(), test=())
    first = described.examples(parts, 7)
    assert first == described.examples(parts, 7) and len(first) == 3 and set(first) <= {0, 1, 2, 3}
    assert sorted(described.examples(split(train=(1,)), 7)) == [1]


def test_a_piece_without_a_title_is_named_by_its_file():
    assert described.title(corpus(), 0) == "Reel" and described.title(corpus(), 1) == "piece1.abc"


def test_the_piano_roll_caption_says_how_much_of_the_melody_it_shows():
    assert "*Reel*, its first 256 steps;" in described.piano_roll_caption(corpus(), 0)
    assert "*Jig*, all 20 steps;" in described.piano_roll_caption(corpus(), 2)


def test_the_closing_glue_counts_the_sides_and_gives_each_sides_median_similarity():
    nearest = pd.DataFrame({"side": ["valid", "valid", "test"], "similarity": [0.2, 0.4, 0.5]})
    glued = described.closing_glue(corpus(), split(), nearest)
    assert (glued["data-melodies"], glued["data-steps"], glued["data-train"]) == ("4", "370", "2")
    assert (glued["data-nearest-valid"], glued["data-nearest-test"]) == ("0.30", "0.50")
    assert glued["data-near-copies"] == "1 copy"  # the split's one near-copy, in the right number


def test_prepare_names_a_missing_parameter():
    with pytest.raises(KeyError, match="source"):
        described.prepare({"profile": "smoke", "seed": 1})


def near_sample(pairs=None, merges=True):
    from melodyreg.data.splits import ThresholdSample

    frame = pd.DataFrame(
        {
            "side": ["at or above", "at or above", "below", "below"],
            "jaccard": [0.29, 0.26, 0.249996, 0.21],
            "first": [0, 1, 0, 2],
            "second": [2, 3, 3, 3],
        }
    )
    return ThresholdSample(frame if pairs is None else pairs, {"at or above": 5, "below": 9}, 0.25, 0.05, merges)


def named_corpus():
    named = corpus()
    named.collections = ["oneills", "ryans", "airds", "misc"]
    return named


def test_the_threshold_table_names_each_melody_by_title_and_collection_and_rounds_down():
    table = described.threshold_table(named_corpus(), near_sample())
    assert table.columns.tolist() == ["side of the threshold", "Jaccard index", "one melody", "the other"]
    assert table.iloc[1].tolist() == ["at or above", "0.2600", "piece1.abc (ryans)", "Air (misc)"]
    assert table["Jaccard index"].iloc[2] == "0.2499"  # below the threshold never shows as reaching it


def test_the_pairs_played_are_the_drawn_pairs_nearest_to_the_threshold_on_each_side(monkeypatch):
    nearest = described.threshold_pairs(near_sample())
    assert nearest[["side", "first", "second"]].values.tolist() == [["at or above", 1, 3], ["below", 0, 3]]
    played = {}
    monkeypatch.setattr(described, "melody_players", lambda melodies, labels, stem: played.update(labels=labels))
    described.threshold_players(named_corpus(), near_sample())
    assert played["labels"] == [
        "piece1.abc (ryans): a pair at or above the threshold, index 0.2600",
        "Air (misc): a pair at or above the threshold, index 0.2600",
        "Reel (oneills): a pair below the threshold, index 0.2499",
        "Air (misc): a pair below the threshold, index 0.2499",
    ]
    empty = near_sample(pairs=near_sample().pairs.iloc[:0])
    assert described.threshold_pairs(empty).empty


def test_the_threshold_note_counts_the_pairs_in_the_band_or_says_why_there_are_none():
    assert described.threshold_note(near_sample()) == (
        "Pairs of melodies from different tunes with an index from 0.2 to 0.3: 5 at or above the threshold, 9 below it."
    )
    assert "merges no near-copies, so no pairs are drawn" in described.threshold_note(near_sample(merges=False))
