"""Altair charts for the book; each function returns a chart object and draws nothing itself."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from melodyreg import constants as C
from melodyreg.data.melodies import decode, notes
from melodyreg.report.display import strategy_label

# --- Layout ------------------------------------------------------------------
COLUMN_PX = 640
"""Total width of every chart, axes, title and legend included. The narrowest layout the book is
checked at (1280 px, both sidebars open; :mod:`melodyreg.report.browser`) leaves a text column of
about 690 px, so 640 px keeps a margin for the page's own padding."""
TITLE_CHARS = 78  # a 13 px bold title line of this many characters fits COLUMN_PX (about 8 px a character)
LEGEND_CHAR_PX = 5.5  # mean width of a character of a 10 px legend label (a fitted chart makes room if longer)
LEGEND_ENTRY_PX = 30  # a legend entry beside its label: symbol, gaps and column padding
LEGEND_INDENT_PX = 90  # a bottom legend starts where the plot does, after the y axis


def _title(text: str) -> str | list[str]:
    """``text`` as one line, or as lines that each fit :data:`COLUMN_PX` (Vega does not wrap titles)."""
    lines = textwrap.wrap(text, TITLE_CHARS)
    return text if len(lines) <= 1 else lines


def _fit(chart, height: int, width: int = COLUMN_PX):
    """Lay out a single or layered ``chart`` ``width`` px wide in all: Vega narrows the plot so that the
    axes, title and legend fit beside it."""
    return chart.properties(width=width, height=height, autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))


def bottom_legend(labels: Sequence[str], title: str | None = None, **options) -> alt.Legend:
    """A legend below the chart, in as many columns as its longest label allows within :data:`COLUMN_PX`.

    A legend to the right would add its width to the chart's; below, its labels are never cut.
    """
    labels = [str(label) for label in labels]
    entry = LEGEND_ENTRY_PX + LEGEND_CHAR_PX * max((len(label) for label in labels), default=1)
    columns = max(1, min(len(labels), int((COLUMN_PX - LEGEND_INDENT_PX) // entry)))
    return alt.Legend(orient="bottom", columns=columns, labelLimit=COLUMN_PX, title=title, **options)


def _gradient_legend(title: str) -> alt.Legend:
    """A colour-scale legend laid horizontally below the chart."""
    return alt.Legend(orient="bottom", direction="horizontal", gradientLength=220, title=title)


PITCH_NAMES = ("C", "C♯", "D", "E♭", "E", "F", "F♯", "G", "A♭", "A", "B♭", "B")


def pitch_name(pitch: int) -> str:
    """MIDI pitch → name with octave, e.g. 60 → ``C4``."""
    return f"{PITCH_NAMES[pitch % 12]}{pitch // 12 - 1}"


def class_label(index: int, min_pitch: int = C.MIN_PITCH) -> str:
    """Readable label of a one-hot class: ``NO_EVENT``, ``NOTE_OFF`` or a pitch name."""
    if index == C.CLASS_NO_EVENT:
        return "NO_EVENT"
    if index == C.CLASS_NOTE_OFF:
        return "NOTE_OFF"
    return pitch_name(index - C.NUM_SPECIAL_EVENTS + min_pitch)


def event_class_counts(melodies: Sequence[np.ndarray]) -> pd.DataFrame:
    """Count and share of each of the 38 classes over all melodies."""
    counts = np.bincount(np.concatenate(melodies).astype(np.int64), minlength=C.NUM_CLASSES)
    return pd.DataFrame(
        {
            "class": np.arange(C.NUM_CLASSES),
            "label": [class_label(i) for i in range(C.NUM_CLASSES)],
            "kind": ["no event" if i == 0 else "note off" if i == 1 else "note on" for i in range(C.NUM_CLASSES)],
            "count": counts,
            "share": counts / max(1, counts.sum()),
        }
    )


def event_class_chart(melodies: Sequence[np.ndarray], title: str = "Event classes") -> alt.Chart:
    """Bar chart of how often each class occurs (log scale: NO_EVENT dominates)."""
    frame = event_class_counts(melodies)
    # a symlog scale takes its ticks from a linear scale, which crowds them at the top: tick 0 and the
    # powers of ten from 10 (1 would sit on top of 0, where the scale is nearly linear)
    ticks = [0] + [10**k for k in range(1, len(str(max(1, int(frame["count"].max())))))]
    kinds = ["no event", "note off", "note on"]
    chart = (
        alt.Chart(frame, title=_title(title))
        .mark_bar()
        .encode(
            x=alt.X("label:N", sort=list(frame["label"]), title="event class"),
            y=alt.Y(
                "count:Q",
                scale=alt.Scale(type="symlog"),
                title="count (symmetric log scale)",
                # a format= here would be rounded to the spacing of linear ticks ("0k" for 10)
                axis=alt.Axis(values=ticks, labelExpr="format(datum.value, '~s')"),
            ),
            color=alt.Color("kind:N", title="kind", sort=kinds, legend=bottom_legend(kinds, "kind")),
            tooltip=["label", "count", alt.Tooltip("share:Q", format=".2%")],
        )
    )
    return _fit(chart, height=220)


def pitch_chart(melodies: Sequence[np.ndarray], title: str = "Note onsets by pitch") -> alt.Chart:
    """Bar chart of note onsets per pitch after squashing into the model's range."""
    frame = event_class_counts(melodies).query("kind == 'note on'")
    chart = (
        alt.Chart(frame, title=_title(title))
        .mark_bar()
        .encode(
            x=alt.X("label:N", sort=list(frame["label"]), title="pitch"),
            y=alt.Y("count:Q", title="note onsets"),
            tooltip=["label", "count", alt.Tooltip("share:Q", format=".2%")],
        )
    )
    return _fit(chart, height=200)


def length_chart(melodies: Sequence[np.ndarray], steps_per_bar: int = 16, title: str = "Melody lengths") -> alt.Chart:
    """Histogram of melody lengths in steps (``steps_per_bar`` marks a 4/4 bar)."""
    frame = pd.DataFrame({"steps": [len(m) for m in melodies]})
    chart = (
        alt.Chart(frame, title=_title(title))
        .mark_bar()
        .encode(
            x=alt.X("steps:Q", bin=alt.Bin(step=steps_per_bar * 2), title="length (16th-note steps)"),
            y=alt.Y("count():Q", title="melodies"),
            tooltip=[alt.Tooltip("count():Q", title="melodies")],
        )
    )
    return _fit(chart, height=200)


def notes_frame(events: Sequence[int]) -> pd.DataFrame:
    """The notes of a melody of event values: pitch, name, start and end step."""
    rows = [(p, pitch_name(p), onset, onset + length) for p, onset, length in notes(events)]
    return pd.DataFrame(rows, columns=["pitch", "name", "start", "end"])


ROLL_AXIS_PX = 50  # a piano roll's pitch axis: its title and two-digit labels


def piano_roll(classes: Sequence[int], title: str = "", width: int = COLUMN_PX) -> alt.LayerChart:
    """Piano roll of one encoded melody (class indices), bar lines every 16 steps, ``width`` px wide in all.

    The plot's width is set rather than fitted, so that piano rolls also stack in :func:`piano_rolls`.
    """
    frame = notes_frame(decode(classes))
    steps = len(classes)
    low, high = (int(frame["pitch"].min()) - 1, int(frame["pitch"].max()) + 1) if len(frame) else (59, 61)
    notes = (
        alt.Chart(frame)
        .mark_rect(cornerRadius=1)
        .encode(
            x=alt.X("start:Q", title="step (16th notes)", scale=alt.Scale(domain=[0, steps])),
            x2="end:Q",
            y=alt.Y("pitch:Q", title="MIDI pitch", scale=alt.Scale(domain=[low, high + 1])),
            y2=alt.Y2("top:Q"),
            tooltip=["name:N", "pitch:Q", "start:Q", "end:Q"],  # typed: an empty frame infers nothing
        )
        .transform_calculate(top="datum.pitch + 1")
    )
    bars = (
        alt.Chart(pd.DataFrame({"step": np.arange(0, steps + 1, 16)}))
        .mark_rule(color="#bbb", strokeDash=[2, 2])
        .encode(x="step:Q")
    )
    return (bars + notes).properties(title=_title(title) if title else title, width=width - ROLL_AXIS_PX, height=180)


def piano_rolls(rolls: dict[str, Sequence[int]], width: int = COLUMN_PX) -> alt.VConcatChart:
    """Piano rolls of several encoded melodies, one above the other, labelled by the keys of ``rolls``."""
    return alt.vconcat(*[piano_roll(classes, label, width=width) for label, classes in rolls.items()])


STRATEGY_COLORS = {  # by strategy name; a chart shows the name's display label
    "baseline": "#4c78a8",
    "dropout": "#f58518",
    "scheduled_sampling": "#54a24b",
    "professor_forcing": "#b279a2",
    "seqgan": "#c9a227",  # a dark gold: apart from every other strategy's and variant's colour
}


OTHER_COLORS = ("#e45756", "#72b7b2", "#9d755d", "#ff9da6", "#bab0ac")  # variants beyond the strategies


def labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each ``strategy`` name replaced by its display label; a key without one (a variant
    such as ``Professor forcing (raw)``, or the real melodies) is shown as given.

    Every chart of strategies takes its frame keyed by strategy name and labels it here.
    """
    return frame.assign(strategy=frame["strategy"].map(strategy_label))


def _strategy_order() -> list[str]:
    """The display labels of the strategies with a colour, in the order the charts list them."""
    return [strategy_label(name) for name in STRATEGY_COLORS]


def _strategy_color(frame: pd.DataFrame, legend: bool = True, **legend_options) -> alt.Color:
    """Each strategy's colour (``frame`` already :func:`labelled`); its legend below the chart
    (``legend_options`` for :func:`bottom_legend`), or none where an axis already names the strategies."""
    by_label = {strategy_label(name): color for name, color in STRATEGY_COLORS.items()}
    present = set(frame["strategy"])
    known = [label for label in by_label if label in present]
    others = sorted(present - set(known))
    colors = [by_label[label] for label in known] + [OTHER_COLORS[i % len(OTHER_COLORS)] for i in range(len(others))]
    return alt.Color(
        "strategy:N",
        scale=alt.Scale(domain=known + others, range=colors),
        title="strategy",
        legend=bottom_legend(known + others, "strategy", **legend_options) if legend else None,
    )


def loss_curves(frame: pd.DataFrame, phase: str, title: str, width: int = COLUMN_PX) -> alt.Chart:
    """Loss against iteration for one ``phase`` (``train`` or ``eval``), a line per strategy.

    ``frame`` has columns iteration, loss, phase and strategy (a name; see
    :func:`melodyreg.report.regularizers.curves`). Drag to zoom, double-click to reset; click the
    legend to highlight a strategy.
    """
    data = labelled(frame[frame["phase"] == phase])
    pick = alt.selection_point(fields=["strategy"], bind="legend")
    chart = (
        alt.Chart(data, title=_title(title))
        .mark_line(point=phase == "eval")
        .encode(
            x=alt.X("iteration:Q", title="iteration"),
            y=alt.Y("loss:Q", title="NLL per event (nats)", scale=alt.Scale(zero=False)),
            color=_strategy_color(data),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.15)),
            tooltip=["strategy", "iteration", alt.Tooltip("loss:Q", format=".4f")],
        )
        .add_params(pick)
    )
    return _fit(chart, height=240, width=width).interactive()


def history_chart(
    history: pd.DataFrame, columns: dict[str, str], title: str, y_title: str, smooth: int = 1
) -> alt.Chart:
    """Chosen training-history columns (renamed by ``columns``) against iteration."""
    train = history[history["phase"] == "train"]
    frame = train[["iteration", *columns]].rename(columns=columns)
    if smooth > 1:
        for name in columns.values():
            frame[name] = frame[name].rolling(smooth, min_periods=1).mean()
    long = frame.melt("iteration", var_name="series", value_name="value")
    series = list(columns.values())
    chart = (
        alt.Chart(long, title=_title(title))
        .mark_line()
        .encode(
            x=alt.X("iteration:Q"),
            y=alt.Y("value:Q", title=y_title),
            # the prose quotes these labels: below the chart, in full
            color=alt.Color("series:N", title=None, sort=series, legend=bottom_legend(series)),
            tooltip=["series", "iteration", alt.Tooltip("value:Q", format=".3f")],
        )
    )
    return _fit(chart, height=220).interactive()


FACET_SPACING_PX = 20  # Vega-Lite's default gap between facet panels


def tsne_chart(frame: pd.DataFrame, columns: int = 2) -> alt.FacetChart:
    """One t-SNE panel per strategy: training states red, generation states blue (as on the poster).

    ``frame`` is :func:`melodyreg.evaluation.states.tsne_frame` (strategies by name). A facet cannot be
    fitted to a width, so each panel (no axes) takes its share of :data:`COLUMN_PX`.
    """
    frame = labelled(frame)
    kinds = ["training (teacher-forced)", "generation (free-running)"]
    panel = (COLUMN_PX - FACET_SPACING_PX * (columns - 1)) // columns - 10  # 10: the facet's padding
    return (
        alt.Chart(frame)
        .mark_circle(size=9, opacity=0.5)
        .encode(
            x=alt.X("x:Q", axis=None),
            y=alt.Y("y:Q", axis=None),
            color=alt.Color(
                "states:N",
                title="hidden states",
                scale=alt.Scale(domain=kinds, range=["#d62728", "#1f77b4"]),
                legend=bottom_legend(kinds, "hidden states"),
            ),
            tooltip=["strategy", "states"],
        )
        .properties(width=panel, height=240)
        .facet(facet=alt.Facet("strategy:N", title=None, sort=_strategy_order()), columns=columns)
    )


def likelihood_chart(samples_ll: pd.DataFrame) -> alt.Chart:
    """Each generated melody's log-likelihood per strategy (points) with the mean (tick).

    ``samples_ll`` has columns ``strategy`` (a name), ``melody`` and ``log_likelihood``
    (:func:`melodyreg.report.regularizers.sample_frame`).
    """
    samples_ll = labelled(samples_ll)
    points = (
        alt.Chart(samples_ll)
        .mark_circle(size=40, opacity=0.6)
        .encode(
            x=alt.X("log_likelihood:Q", title="log-likelihood of a generated melody (nats)"),
            y=alt.Y("strategy:N", title=None, sort=_strategy_order()),
            color=_strategy_color(samples_ll, legend=False),  # the axis names the strategies
            tooltip=["strategy", "melody", alt.Tooltip("log_likelihood:Q", format=".1f")],
        )
    )
    means = (
        alt.Chart(samples_ll)
        .mark_tick(thickness=3, size=22, color="black")
        .encode(x="mean(log_likelihood):Q", y=alt.Y("strategy:N", sort=_strategy_order()))
    )
    return _fit(points + means, height=160)


def interval_chart(
    frame: pd.DataFrame,
    value: str,
    title: str,
    x_title: str,
    *,
    reference: float | None = None,
    width: int = COLUMN_PX,
) -> alt.LayerChart:
    """Per strategy: each seed's ``value`` (small dots), the mean (large dot) and its 95 % bootstrap interval (bar).

    ``frame`` has columns ``strategy`` (a name), ``seed`` and ``value``;
    ``reference`` draws a dashed vertical line (e.g. 0.5 for an AUC, 0 for a difference).
    """
    from melodyreg.evaluation import intervals

    frame = labelled(frame)
    summary = intervals.summarise(frame, value)
    order = [label for label in _strategy_order() if label in set(frame["strategy"])]
    y = alt.Y("strategy:N", title=None, sort=order)
    seeds = (
        alt.Chart(frame)
        .mark_circle(size=25, opacity=0.45)
        .encode(
            x=alt.X(f"{value}:Q", title=x_title, scale=alt.Scale(zero=False)),
            y=y,
            color=_strategy_color(frame, legend=False),  # the axis names the strategies
            tooltip=["strategy", "seed", alt.Tooltip(f"{value}:Q", format=".4g")],
        )
    )
    bars = (
        alt.Chart(summary)
        .mark_rule(strokeWidth=3)
        .encode(x="low:Q", x2="high:Q", y=y, color=_strategy_color(summary, legend=False))
    )
    means = (
        alt.Chart(summary)
        .mark_point(size=120, filled=True, shape="diamond")
        .encode(
            x="mean:Q",
            y=y,
            color=_strategy_color(summary, legend=False),
            tooltip=[
                "strategy",
                "seeds",
                alt.Tooltip("mean:Q", format=".4g"),
                alt.Tooltip("low:Q", format=".4g"),
                alt.Tooltip("high:Q", format=".4g"),
            ],
        )
    )
    layers = [seeds, bars, means]
    if reference is not None:
        layers.append(
            alt.Chart(pd.DataFrame({"x": [reference]})).mark_rule(strokeDash=[4, 4], color="gray").encode(x="x:Q")
        )
    return _fit(alt.layer(*layers, title=_title(title)), height=30 * len(order) + 20, width=width)


def curve_chart(summary: pd.DataFrame, x: str, x_title: str, title: str, y_title: str) -> alt.LayerChart:
    """A measure against ``x`` (a prefix length, a temperature): mean line and 95 % band per strategy.

    ``summary`` has columns ``strategy`` (a name), ``x``, ``mean``, ``low``, ``high``
    (:func:`melodyreg.evaluation.intervals.summarise` by strategy and ``x``).
    """
    summary = labelled(summary)
    # the legend's symbols would take the faint band's opacity
    color = _strategy_color(summary, symbolOpacity=1)
    base = alt.Chart(summary, title=_title(title)).encode(
        x=alt.X(f"{x}:Q", title=x_title, scale=alt.Scale(zero=False)), color=color
    )
    band = base.mark_area(opacity=0.15).encode(y="low:Q", y2="high:Q")
    line = base.mark_line(point=True).encode(
        y=alt.Y("mean:Q", title=y_title, scale=alt.Scale(zero=False)),
        tooltip=[
            "strategy",
            x,
            alt.Tooltip("mean:Q", format=".3f"),
            alt.Tooltip("low:Q", format=".3f"),
            alt.Tooltip("high:Q", format=".3f"),
        ],
    )
    return _fit(band + line, height=260)


def exposure_chart(
    summary: pd.DataFrame, title: str, y_title: str = "NLL after own − after other beginning (nats/event)"
) -> alt.LayerChart:
    """An exposure-bias measure against prefix length (see :func:`curve_chart`)."""
    return curve_chart(summary, "prefix", "prefix length (16th-note steps)", title, y_title)


def frontier_chart(frame: pd.DataFrame, quality: str, diversity: str, title: str) -> alt.LayerChart:
    """Quality against diversity, one curve per strategy through its temperatures.

    ``frame`` has one row per (strategy name, seed, temperature) with columns ``quality`` and
    ``diversity``; each point is the mean over seeds, with 95 % bootstrap intervals on both axes.
    Each curve's coldest and hottest points are labelled with their temperature.
    """
    from melodyreg.evaluation import intervals

    frame = labelled(frame)
    by = ["strategy", "temperature"]
    q = intervals.summarise(frame, quality, by).rename(columns={"mean": "quality", "low": "q_low", "high": "q_high"})
    d = intervals.summarise(frame, diversity, by).rename(
        columns={"mean": "diversity", "low": "d_low", "high": "d_high"}
    )
    points = q.merge(d.drop(columns="seeds"), on=by)
    color = _strategy_color(points)
    x = alt.X(
        "diversity:Q",
        title="diversity: intra-set distance / real melodies' (1 = as varied)",
        scale=alt.Scale(zero=False),
    )
    y = alt.Y("quality:Q", title="quality: overlap with test melodies", scale=alt.Scale(zero=False))
    base = alt.Chart(points, title=_title(title))
    line = base.mark_line(point=True).encode(
        x=x,
        y=y,
        color=color,
        order="temperature:Q",
        tooltip=[
            "strategy",
            "temperature",
            "seeds",
            alt.Tooltip("quality:Q", format=".3f"),
            alt.Tooltip("diversity:Q", format=".3f"),
        ],  # fmt: skip
    )
    y_bars = base.mark_rule(opacity=0.6).encode(x="diversity:Q", y="q_low:Q", y2="q_high:Q", color=color)
    x_bars = base.mark_rule(opacity=0.6).encode(x="d_low:Q", x2="d_high:Q", y="quality:Q", color=color)
    # the middle temperatures crowd together; label each curve's ends, the tooltip names every point
    ends = points.groupby("strategy").temperature.transform(lambda t: t.isin([t.min(), t.max()]))
    labels = (
        alt.Chart(points[ends])
        .mark_text(dx=8, dy=-6, fontSize=9)
        .encode(x="diversity:Q", y="quality:Q", text=alt.Text("temperature:Q", format=".2f"), color=color)
    )
    return _fit(y_bars + x_bars + line + labels, height=320)


def feature_chart(frame: pd.DataFrame, title: str) -> alt.LayerChart:
    """Heat map of mean overlap area per feature (rows) and set (columns), the value written in each cell.

    ``frame`` has columns ``feature``, ``strategy`` (a name, or ``real (training melodies)`` for the
    reference set) and ``overlap`` (:func:`melodyreg.report.tables.feature_overview`).
    """
    frame = labelled(frame)
    base = alt.Chart(frame, title=_title(title)).encode(
        x=alt.X(
            "strategy:N",
            title=None,
            sort=[*_strategy_order(), "real (training melodies)"],
            axis=alt.Axis(labelAngle=-30),
        ),
        y=alt.Y("feature:N", title=None),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "overlap:Q", scale=alt.Scale(domain=[0, 1], scheme="viridis"), legend=_gradient_legend("overlap")
        ),
        tooltip=["feature", "strategy", alt.Tooltip("overlap:Q", format=".3f")],
    )
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("overlap:Q", format=".2f"),
        color=alt.condition(alt.datum.overlap > 0.6, alt.value("black"), alt.value("white")),
    )
    return _fit(cells + text, height=260)


def robustness_chart(frame: pd.DataFrame, title: str, limit: float = 3.0) -> alt.LayerChart:
    """The verdict robustness map: one cell per claim (rows) and tuning setting (columns).

    ``frame`` is :func:`melodyreg.evaluation.tuning.robustness` (strategies by name). A cell's
    colour is the claim's margin at that setting in units of the final comparison's seed
    spread (clipped to ``±limit``; red: the claim fails there, blue: it holds); a dot marks
    the setting the NLL rule chose. Rows are labelled by each claim's ``brief`` and columns by
    the strategy's abbreviation and the setting (the full claim is in the tooltip), so that
    the map fits the page.
    """
    spread = frame.seed_spread.where(frame.seed_spread > 0)
    cells = labelled(frame).assign(
        column=frame.strategy.map(lambda name: C.STRATEGY_SHORT.get(name, strategy_label(name))) + ": " + frame.setting,
        spreads=(frame.margin / spread).fillna(np.sign(frame.margin) * limit).clip(-limit, limit),
        chosen=np.where(frame.selected.astype(bool), "●", ""),
    )
    base = alt.Chart(cells, title=_title(title)).encode(
        x=alt.X("column:N", title="tuning setting (one seed)", sort=list(dict.fromkeys(cells.column)),
                axis=alt.Axis(labelAngle=-40, labelLimit=280)),
        y=alt.Y("brief:N", title=None, sort=list(dict.fromkeys(cells.brief)), axis=alt.Axis(labelLimit=240)),
    )  # fmt: skip
    rect = base.mark_rect().encode(
        color=alt.Color(
            "spreads:Q",
            scale=alt.Scale(scheme="redblue", domain=[-limit, limit]),
            legend=_gradient_legend("margin / seed spread"),
        ),
        tooltip=[
            "claim",
            "strategy",
            "setting",
            alt.Tooltip("margin:Q", format="+.3g"),
            alt.Tooltip("seed_spread:Q", format=".3g"),
            "holds",
        ],
    )
    dots = base.mark_text(fontSize=10).encode(text="chosen:N")
    # the cells share what the row labels leave of the column (a fixed width per cell overflowed it)
    return _fit(rect + dots, height=22 * cells.brief.nunique())


SIDE_NAMES = {"valid": "validation", "test": "test"}


def nearest_chart(
    table: pd.DataFrame, threshold: float = C.NEAR_DUPLICATE, bin_width: float = 0.02, title: str | None = None
):
    """Each held-out melody's closest match on the training side: the share of melodies per bin of
    similarity, a line per side, and a rule at the near-copy ``threshold``.

    Args:
        table: ``side`` and ``similarity`` per melody, as :func:`melodyreg.data.splits.nearest_training`
            gives it.
    """
    bins = np.floor(table.similarity.to_numpy() / bin_width) * bin_width
    frame = (
        pd.DataFrame({"side": table.side.map(SIDE_NAMES), "similarity": bins.round(6)})
        .groupby(["side", "similarity"], as_index=False)
        .size()
    )
    frame["share"] = frame["size"] / frame.groupby("side")["size"].transform("sum")
    sides = list(dict.fromkeys(SIDE_NAMES.values()))
    lines = (
        alt.Chart(frame)
        .mark_line(interpolate="step-after", point=True)
        .encode(
            x=alt.X("similarity:Q", title="n-gram Jaccard index with the closest training melody"),
            y=alt.Y("share:Q", title="share of the side's melodies", axis=alt.Axis(format="%")),
            color=alt.Color("side:N", sort=sides, legend=bottom_legend(sides, title="side")),
            tooltip=[
                "side",
                "similarity",
                alt.Tooltip("share:Q", format=".1%"),
                alt.Tooltip("size:Q", title="melodies"),
            ],
        )
    )
    rule = alt.Chart(pd.DataFrame({"x": [threshold]})).mark_rule(strokeDash=[4, 3], color="black").encode(x="x:Q")
    chart = alt.layer(lines, rule, title=_title(title or "How close held-out melodies come to the training side"))
    return _fit(chart, height=220)


def budget_chart(curves: pd.DataFrame, title: str = "Expected best validation NLL against the tuning budget"):
    """Per strategy, the expected best validation NLL of n settings drawn from its search space, n = 1 … B
    (:func:`melodyreg.evaluation.budget.expected_best_curves`): lines that cross mean the ordering of two
    strategies depends on the budget."""
    frame = labelled(curves)
    chart = (
        alt.Chart(frame, title=_title(title))
        .mark_line(point=True)
        .encode(
            x=alt.X("budget:O", title="settings drawn (budget)", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("expected best:Q", title="expected best validation NLL (nats/event)", scale=alt.Scale(zero=False)),
            color=_strategy_color(frame),
            tooltip=["strategy", "budget", alt.Tooltip("expected best:Q", format=".4f")],
        )
    )
    return _fit(chart, height=240)
