"""Altair charts for the book; each function returns a chart object and draws nothing itself."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from melodyreg import constants as C
from melodyreg.melodies import decode

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
    return pd.DataFrame({
        "class": np.arange(C.NUM_CLASSES),
        "label": [class_label(i) for i in range(C.NUM_CLASSES)],
        "kind": ["no event" if i == 0 else "note off" if i == 1 else "note on" for i in range(C.NUM_CLASSES)],
        "count": counts,
        "share": counts / max(1, counts.sum()),
    })


def event_class_chart(melodies: Sequence[np.ndarray], title: str = "Event classes") -> alt.Chart:
    """Bar chart of how often each class occurs (log scale: NO_EVENT dominates)."""
    frame = event_class_counts(melodies)
    return alt.Chart(frame, title=title).mark_bar().encode(
        x=alt.X("label:N", sort=list(frame["label"]), title="event class"),
        y=alt.Y("count:Q", scale=alt.Scale(type="symlog"), title="count (symmetric log scale)"),
        color=alt.Color("kind:N", title="kind"),
        tooltip=["label", "count", alt.Tooltip("share:Q", format=".2%")],
    ).properties(width=640, height=220)


def pitch_chart(melodies: Sequence[np.ndarray], title: str = "Note onsets by pitch") -> alt.Chart:
    """Bar chart of note onsets per pitch after squashing into the model's range."""
    frame = event_class_counts(melodies).query("kind == 'note on'")
    return alt.Chart(frame, title=title).mark_bar().encode(
        x=alt.X("label:N", sort=list(frame["label"]), title="pitch"),
        y=alt.Y("count:Q", title="note onsets"),
        tooltip=["label", "count", alt.Tooltip("share:Q", format=".2%")],
    ).properties(width=640, height=200)


def length_chart(melodies: Sequence[np.ndarray], steps_per_bar: int = 16,
                 title: str = "Melody lengths") -> alt.Chart:
    """Histogram of melody lengths in steps (``steps_per_bar`` marks a 4/4 bar)."""
    frame = pd.DataFrame({"steps": [len(m) for m in melodies]})
    return alt.Chart(frame, title=title).mark_bar().encode(
        x=alt.X("steps:Q", bin=alt.Bin(step=steps_per_bar * 2), title="length (16th-note steps)"),
        y=alt.Y("count():Q", title="melodies"),
        tooltip=[alt.Tooltip("count():Q", title="melodies")],
    ).properties(width=640, height=200)


def notes_frame(events: Sequence[int]) -> pd.DataFrame:
    """The notes of a melody of event values: pitch, start and end step."""
    rows, pitch, onset = [], None, 0
    for step, e in enumerate(list(events) + [C.MELODY_NOTE_OFF]):
        if e == C.MELODY_NO_EVENT:
            continue
        if pitch is not None:
            rows.append((pitch, pitch_name(pitch), onset, step))
        pitch, onset = (e, step) if e >= 0 else (None, step)
    return pd.DataFrame(rows, columns=["pitch", "name", "start", "end"])


def piano_roll(classes: Sequence[int], title: str = "", width: int = 640) -> alt.Chart:
    """Piano roll of one encoded melody (class indices), bar lines every 16 steps."""
    frame = notes_frame(decode(classes))
    steps = len(classes)
    low, high = (int(frame["pitch"].min()) - 1, int(frame["pitch"].max()) + 1) if len(frame) else (59, 61)
    notes = alt.Chart(frame).mark_rect(cornerRadius=1).encode(
        x=alt.X("start:Q", title="step (16th notes)", scale=alt.Scale(domain=[0, steps])),
        x2="end:Q",
        y=alt.Y("pitch:Q", title="MIDI pitch", scale=alt.Scale(domain=[low, high + 1])),
        y2=alt.Y2("top:Q"),
        tooltip=["name:N", "pitch:Q", "start:Q", "end:Q"],  # typed: an empty frame infers nothing
    ).transform_calculate(top="datum.pitch + 1")
    bars = alt.Chart(pd.DataFrame({"step": np.arange(0, steps + 1, 16)})).mark_rule(
        color="#bbb", strokeDash=[2, 2]).encode(x="step:Q")
    return (bars + notes).properties(title=title, width=width, height=180)
