"""Altair charts: the right chart kind, fields and data, checked through ``to_dict()``."""

from __future__ import annotations

import warnings

import altair as alt
import numpy as np
import pandas as pd
import pytest

from conftest import NO_EVENT as NE
from conftest import NOTE_OFF as OFF
from melodyreg.report import plots


def chart_data(spec: dict, layer: int | None = None) -> list[dict]:
    """The rows of a chart's (or one layer's) named dataset."""
    part = spec if layer is None else spec["layer"][layer]
    return spec["datasets"][part["data"]["name"]]


@pytest.mark.parametrize(
    "pitch, name", [(60, "C4"), (61, "C♯4"), (48, "C3"), (70, "B♭4"), (83, "B5"), (0, "C-1"), (127, "G9")]
)
def test_pitch_name(pitch, name):
    assert plots.pitch_name(pitch) == name


@pytest.mark.parametrize("index, label", [(0, "NO_EVENT"), (1, "NOTE_OFF"), (2, "C3"), (14, "C4"), (37, "B5")])
def test_class_label(index, label):
    assert plots.class_label(index) == label


def test_class_label_with_another_range():
    assert plots.class_label(2, min_pitch=60) == "C4"


MELODIES = [np.asarray([2, 0, 0, 1], dtype=np.int8), np.asarray([14, 0, 1], dtype=np.int8)]


def test_event_class_counts_hand_example():
    frame = plots.event_class_counts(MELODIES)
    assert len(frame) == 38
    assert frame["count"].sum() == 7
    nonzero = frame[frame["count"] > 0]
    assert nonzero[["class", "label", "kind", "count"]].values.tolist() == [
        [0, "NO_EVENT", "no event", 3],
        [1, "NOTE_OFF", "note off", 2],
        [2, "C3", "note on", 1],
        [14, "C4", "note on", 1],
    ]
    assert frame.loc[0, "share"] == pytest.approx(3 / 7)
    assert frame["share"].sum() == pytest.approx(1.0)


def test_event_class_chart():
    chart = plots.event_class_chart(MELODIES, title="Classes here")
    assert isinstance(chart, alt.Chart)
    spec = chart.to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["title"] == "Classes here"
    enc = spec["encoding"]
    assert (enc["x"]["field"], enc["y"]["field"], enc["color"]["field"]) == ("label", "count", "kind")
    assert enc["y"]["scale"] == {"type": "symlog"}
    assert enc["x"]["sort"][:3] == ["NO_EVENT", "NOTE_OFF", "C3"] and len(enc["x"]["sort"]) == 38
    rows = chart_data(spec)
    assert len(rows) == 38
    assert {r["label"]: r["count"] for r in rows if r["count"]} == {"NO_EVENT": 3, "NOTE_OFF": 2, "C3": 1, "C4": 1}


def test_pitch_chart_has_only_note_onsets():
    spec = plots.pitch_chart(MELODIES).to_dict()
    rows = chart_data(spec)
    assert len(rows) == 36
    assert {r["kind"] for r in rows} == {"note on"}
    assert rows[0]["label"] == "C3" and rows[-1]["label"] == "B5"
    assert [r["label"] for r in rows if r["count"]] == ["C3", "C4"]
    assert spec["encoding"]["x"]["sort"][0] == "C3"


def test_length_chart():
    spec = plots.length_chart(MELODIES, steps_per_bar=12).to_dict()
    assert chart_data(spec) == [{"steps": 4}, {"steps": 3}]
    assert spec["encoding"]["x"]["bin"] == {"step": 24}  # two bars a bin
    assert spec["encoding"]["y"]["aggregate"] == "count"


def test_notes_frame_hand_example():
    frame = plots.notes_frame([60, NE, NE, OFF, NE, 62, 64, NE])
    assert frame.values.tolist() == [[60, "C4", 0, 3], [62, "D4", 5, 6], [64, "E4", 6, 8]]
    assert list(frame.columns) == ["pitch", "name", "start", "end"]


def test_notes_frame_of_a_silent_melody_is_empty():
    assert plots.notes_frame([NE, OFF, NE]).empty


def test_piano_roll():
    # 48 for 3 steps, 60 for 2, 51 for 1: 32 steps, so bar lines at 0, 16 and 32
    classes = [2, 0, 0, 1, 14, 0, 5] + [1] + [0] * 24
    chart = plots.piano_roll(classes, title="One melody")
    assert isinstance(chart, alt.LayerChart)
    spec = chart.to_dict()
    assert spec["title"] == "One melody"
    assert chart_data(spec, 0) == [{"step": 0}, {"step": 16}, {"step": 32}]
    assert chart_data(spec, 1) == [
        {"pitch": 48, "name": "C3", "start": 0, "end": 3},
        {"pitch": 60, "name": "C4", "start": 4, "end": 6},
        {"pitch": 51, "name": "E♭3", "start": 6, "end": 7},
    ]
    notes = spec["layer"][1]
    assert notes["mark"]["type"] == "rect"
    assert notes["encoding"]["x"]["scale"]["domain"] == [0, 32]
    assert notes["encoding"]["y"]["scale"]["domain"] == [47, 62]  # lowest - 1 to highest + 2
    assert notes["encoding"]["x2"]["field"] == "end"
    assert spec["layer"][0]["mark"]["type"] == "rule"


def test_piano_roll_of_a_silent_melody():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "cannot infer the type" warning from the empty frame
        spec = plots.piano_roll([0] * 16).to_dict()
    assert chart_data(spec, 1) == []
    assert spec["layer"][1]["encoding"]["y"]["scale"]["domain"] == [59, 62]


def test_evaluation_charts_build_from_tidy_frames():
    import pandas as pd

    runs = pd.DataFrame(
        {"strategy": ["Baseline", "Baseline", "Dropout", "Dropout"], "seed": [1, 2, 1, 2], "auc": [0.9, 0.8, 0.7, 0.75]}
    )
    spec = plots.interval_chart(runs, "auc", "AUC", "ROC AUC", reference=0.5).to_dict()
    assert len(spec["layer"]) == 4 and spec["title"] == "AUC"
    summary = pd.DataFrame(
        {"strategy": ["Baseline"] * 2, "prefix": [1, 8], "mean": [0.0, 0.1], "low": [0.0, 0.05], "high": [0.0, 0.2]}
    )
    assert len(plots.exposure_chart(summary, "gap").to_dict()["layer"]) == 2
    overlap = pd.DataFrame(
        {"feature": ["pitch_count"] * 2, "strategy": ["Baseline", "real (training melodies)"], "overlap": [0.2, 0.9]}
    )
    assert plots.feature_chart(overlap, "overlap").to_dict()["layer"][1]["mark"]["type"] == "text"


def test_the_robustness_map_colours_margins_in_seed_spreads():
    table = pd.DataFrame(
        {
            "claim": ["claim one", "claim one", "claim two"],
            "brief": ["c1", "c1", "c2"],
            "strategy": ["Scheduled sampling"] * 3,
            "setting": ["ss_k = 500", "ss_k = 300", "ss_k = 500"],
            "selected": [True, False, True],
            "margin": [0.02, -0.5, 0.01],
            "holds": [True, False, True],
            "seed_spread": [0.01, 0.01, float("nan")],
        }
    )
    spec = plots.robustness_chart(table, "map").to_dict()
    rect, dots = spec["layer"]
    assert rect["mark"]["type"] == "rect" and dots["mark"]["type"] == "text"
    assert rect["encoding"]["color"]["scale"]["domain"] == [-3.0, 3.0]
    rows = next(iter(spec["datasets"].values()))
    assert [r["spreads"] for r in rows] == [2.0, -3.0, 3.0]  # 0.02 / 0.01; clipped; no spread: the sign
    assert [r["chosen"] for r in rows] == ["●", "", "●"]
    assert rows[1]["column"] == "SS: ss_k = 300"
    assert rect["encoding"]["y"]["field"] == "brief" and spec["height"] == 2 * 22  # one row per claim


def test_common_pitch_classes_by_hand():
    from melodyreg.data.melodies import encode

    # onsets: G4 three times, C4 and C5 (one class) twice, E4 once; NO_EVENT and NOTE_OFF are not onsets
    melody = encode([67, -2, 67, -1, 67, 60, 72, 64])
    assert plots.common_pitch_classes([melody]) == "G (dominant), C (tonic) and E (major third)"
    assert plots.common_pitch_classes([melody], top=1) == "G (dominant)"
    assert plots.common_pitch_classes([encode([-2, -1])]) == "none"
