"""Altair charts: the right chart kind, fields and data, checked through ``to_dict()``."""

from __future__ import annotations

import warnings

import altair as alt
import numpy as np
import pandas as pd
import pytest

from helpers import NO_EVENT as NE
from helpers import NOTE_OFF as OFF
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
        {"strategy": ["baseline", "baseline", "dropout", "dropout"], "seed": [1, 2, 1, 2], "auc": [0.9, 0.8, 0.7, 0.75]}
    )
    spec = plots.interval_chart(runs, "auc", "AUC", "ROC AUC", reference=0.5).to_dict()
    assert len(spec["layer"]) == 4 and spec["title"] == "AUC"
    summary = pd.DataFrame(
        {"strategy": ["baseline"] * 2, "prefix": [1, 8], "mean": [0.0, 0.1], "low": [0.0, 0.05], "high": [0.0, 0.2]}
    )
    assert len(plots.exposure_chart(summary, "gap").to_dict()["layer"]) == 2
    overlap = pd.DataFrame(
        {"feature": ["pitch_count"] * 2, "strategy": ["baseline", "real (training melodies)"], "overlap": [0.2, 0.9]}
    )
    assert plots.feature_chart(overlap, "overlap").to_dict()["layer"][1]["mark"]["type"] == "text"


def test_the_robustness_map_colours_margins_in_seed_spreads():
    table = pd.DataFrame(
        {
            "claim": ["claim one", "claim one", "claim two"],
            "brief": ["c1", "c1", "c2"],
            "strategy": ["scheduled_sampling"] * 3,
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
    assert rows[1]["column"] == "SS: ss_k = 300" and rows[1]["strategy"] == "Scheduled sampling"
    assert rect["encoding"]["y"]["field"] == "brief" and spec["height"] == 2 * 22  # one row per claim


def rendered_size(chart) -> tuple[float, float]:
    """Width and height of a chart as Vega lays it out (axes, title and legend included), by vl-convert."""
    import re

    import vl_convert

    svg = vl_convert.vegalite_to_svg(chart.to_dict(), vl_version=".".join(alt.SCHEMA_VERSION.split(".")[:2]))
    width, height = re.search(r'<svg[^>]* width="([\d.]+)" height="([\d.]+)"', svg).groups()
    return float(width), float(height)


STRATEGIES = list(plots.STRATEGY_COLORS)  # names: every chart shows their display labels
LABELS = [plots.strategy_label(name) for name in STRATEGIES]


def test_charts_take_strategy_names_and_show_each_label_in_its_colour():
    curves = pd.DataFrame(
        {
            "strategy": ["professor_forcing", "baseline", "a variant", "Professor forcing (raw)", "seqgan"],
            "phase": "train",
            "iteration": 1,
            "loss": 2.0,
        }
    )
    color = plots.loss_curves(curves, "train", "losses").to_dict()["encoding"]["color"]
    # the strategies in their order and colours, then other keys as given, sorted, in the other colours
    assert color["scale"]["domain"] == [
        "Baseline",
        "Professor forcing",
        "SeqGAN",
        "Professor forcing (raw)",
        "a variant",
    ]
    assert color["scale"]["range"] == [
        plots.STRATEGY_COLORS["baseline"],
        plots.STRATEGY_COLORS["professor_forcing"],
        plots.STRATEGY_COLORS["seqgan"],
        *plots.OTHER_COLORS[:2],
    ]
    assert len(set(plots.STRATEGY_COLORS.values()) | set(plots.OTHER_COLORS)) == 10  # no two keys share a colour
    runs = pd.DataFrame({"strategy": ["scheduled_sampling", "baseline"], "seed": 1, "auc": [0.6, 0.7]})
    spec = plots.interval_chart(runs, "auc", "AUC", "ROC AUC").to_dict()
    assert spec["layer"][0]["encoding"]["y"]["sort"] == ["Baseline", "Scheduled sampling"]
    assert {row["strategy"] for row in chart_data(spec, 0)} == {"Baseline", "Scheduled sampling"}
    assert runs.strategy.tolist() == ["scheduled_sampling", "baseline"]  # the caller's frame is left as it was


def _every_chart() -> dict[str, alt.TopLevelMixin]:
    """One of each chart the book shows, from small frames with the book's longest labels and titles."""
    rng = np.random.default_rng(0)
    long_title = "Exposure bias: NLL after own minus after another melody's beginning (95 % intervals over 5 seeds)"
    curves = pd.DataFrame(
        [
            (s, phase, it, 2 - it / 6000)
            for s in [*STRATEGIES, "Professor forcing (normalized)"]
            for phase in ("train", "eval")
            for it in range(0, 5000, 500)
        ],
        columns=["strategy", "phase", "iteration", "loss"],
    )
    history = pd.DataFrame(
        {"phase": "train", "iteration": range(0, 500, 10), "epsilon": np.linspace(1, 0, 50), "own": 0.3}
    )
    summary = pd.DataFrame(
        [(s, p, 0.1, 0.0, 0.2) for s in STRATEGIES for p in (1, 16, 64)],
        columns=["strategy", "prefix", "mean", "low", "high"],
    )
    sweep = pd.DataFrame(
        [(s, seed, t, rng.random(), rng.random()) for s in STRATEGIES for seed in (1, 2) for t in (0.5, 1.0, 1.5)],
        columns=["strategy", "seed", "temperature", "overlap", "intra_ratio"],
    )
    runs = pd.DataFrame(
        {"strategy": np.repeat(STRATEGIES, 2), "seed": [1, 2] * len(STRATEGIES), "auc": rng.random(2 * len(STRATEGIES))}
    )
    settings = [("dropout", f"dropout_rate = {r}") for r in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6)] + [
        ("professor_forcing", "pf_reads = states+probs, pf_gate_low = 0.0, pf_gate_high = 1.0")
    ] * 12
    robust = pd.DataFrame(
        [
            {
                "claim": b,
                "brief": b,
                "strategy": st,
                "setting": f"{se} #{i}",
                "selected": i == 0,
                "margin": 0.1,
                "holds": True,
                "seed_spread": 0.05,
            }  # fmt: skip
            for b in ("SS not worse than baseline (Huszár)", "SS and PF beat the others (log-lik.)")
            for i, (st, se) in enumerate(settings)
        ]
    )
    return {
        "event classes": plots.event_class_chart(MELODIES, "Event classes in the training melodies (log scale)"),
        "pitches": plots.pitch_chart(MELODIES),
        "lengths": plots.length_chart(MELODIES, title="Melody lengths (all melodies; 512 is the truncation limit)"),
        "piano roll": plots.piano_roll([2, 0, 14, 1] * 64, "Melody 1 of the training side, its first 256 steps"),
        "piano rolls": plots.piano_rolls({label: [2, 0, 14, 1] * 32 for label in LABELS}),
        "loss curves": plots.loss_curves(curves, "train", "Training NLL: the baseline and professor forcing's designs"),
        "history": plots.history_chart(
            history,
            {"epsilon": "ε (chance of the true input)", "own": "share of inputs that were its own, unlike the truth"},
            "The schedule used in training",
            "share",
        ),
        "t-SNE": plots.tsne_chart(
            pd.DataFrame(
                {
                    "x": rng.normal(size=10 * len(STRATEGIES)),
                    "y": rng.normal(size=10 * len(STRATEGIES)),
                    "strategy": np.repeat(STRATEGIES, 10),
                    "states": ["training (teacher-forced)", "generation (free-running)"] * 5 * len(STRATEGIES),
                }
            )
        ),
        "likelihoods": plots.likelihood_chart(
            pd.DataFrame(
                {"strategy": STRATEGIES, "melody": 1, "log_likelihood": np.linspace(-210.0, -180.0, len(STRATEGIES))}
            )
        ),
        "intervals": plots.interval_chart(runs, "auc", "Training vs generation hidden states: AUC", "ROC AUC"),
        "exposure": plots.exposure_chart(summary, long_title),
        "frontier": plots.frontier_chart(sweep, "overlap", "intra_ratio", "Quality against diversity"),
        "features": plots.feature_chart(
            pd.DataFrame(
                {
                    "feature": ["pitch_class_transition_matrix"] * (len(STRATEGIES) + 1),
                    "strategy": [*STRATEGIES, "real (training melodies)"],
                    "overlap": 0.5,
                }
            ),
            "Overlap with the test melodies",
        ),
        "robustness map": plots.robustness_chart(robust, "Each claim at every tuning setting"),
    }


def test_every_chart_fits_the_text_column_legend_and_title_included():
    for name, chart in _every_chart().items():
        width, _ = rendered_size(chart)
        assert width <= plots.COLUMN_PX, f"{name}: {width:.0f} px wide, the column is {plots.COLUMN_PX} px"


def _legends(spec) -> list[dict]:
    """Every legend a spec declares on a colour channel, in any layer or facet."""
    found = []
    if isinstance(spec, dict):
        color = spec.get("encoding", {}).get("color")
        if isinstance(color, dict) and color.get("legend") is not None and "field" in color:
            found.append(color["legend"])
        for value in spec.values():
            found += _legends(value)
    elif isinstance(spec, list):
        for value in spec:
            found += _legends(value)
    return found


def test_legends_sit_below_the_chart_with_their_labels_in_full():
    for name, chart in _every_chart().items():
        for legend in _legends(chart.to_dict()):
            assert legend["orient"] == "bottom", name
            assert legend.get("labelLimit", plots.COLUMN_PX) >= plots.COLUMN_PX or "gradientLength" in legend, name


def test_a_bottom_legend_takes_as_many_columns_as_fit():
    assert plots.bottom_legend(LABELS).columns == 4  # the four strategies side by side
    assert plots.bottom_legend(["a", "b"]).columns == 2  # never more columns than labels
    assert plots.bottom_legend(["x" * 120]).columns == 1  # a long label gets a row of its own, uncut


def test_long_titles_wrap_into_lines_that_fit():
    assert plots._title("Short") == "Short"
    lines = plots._title("word " * 40)
    assert isinstance(lines, list) and len(lines) == 3 and all(len(line) <= plots.TITLE_CHARS for line in lines)


def test_the_log_axis_ticks_powers_of_ten():
    melodies = [np.zeros(123_456, dtype=np.int8)]  # 123,456 NO_EVENTs
    y = plots.event_class_chart(melodies).to_dict()["encoding"]["y"]
    assert y["axis"]["values"] == [0, 10, 100, 1_000, 10_000, 100_000]


def test_nearest_chart_shares_per_side_and_the_threshold_rule():
    table = pd.DataFrame({"side": ["valid"] * 4 + ["test"] * 2, "similarity": [0.01, 0.03, 0.031, 0.2, 0.05, 0.05]})
    spec = plots.nearest_chart(table, threshold=0.25).to_dict()
    lines, rule = spec["layer"]
    data = pd.DataFrame(spec["datasets"][lines["data"]["name"]])
    shares = {(row.side, round(row.similarity, 2)): row.share for row in data.itertuples()}
    assert shares == {
        ("validation", 0.0): 0.25,
        ("validation", 0.02): 0.5,
        ("validation", 0.2): 0.25,
        ("test", 0.04): 1.0,
    }
    assert spec["datasets"][rule["data"]["name"]] == [{"x": 0.25}]
    assert spec["width"] == plots.COLUMN_PX


def test_budget_chart_draws_a_line_per_strategy_with_display_labels():
    from melodyreg.evaluation import budget

    frame = pd.DataFrame({"strategy": ["baseline"] * 3 + ["dropout"] * 3, "nll": [1.3, 1.1, 1.2, 1.0, 1.4, 1.2]})
    spec = plots.budget_chart(budget.expected_best_curves(frame, "nll")).to_dict()
    data = pd.DataFrame(spec["datasets"][spec["data"]["name"]])
    assert set(data.strategy) == {"Baseline", "Dropout"} and data.budget.max() == 3
    assert spec["encoding"]["y"]["field"] == "expected best" and spec["width"] == plots.COLUMN_PX
