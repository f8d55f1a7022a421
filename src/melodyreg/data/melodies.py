"""From NoteSequences to MelodyRNN event sequences and back.

This module rebuilds, in our own code, the melody stages of Magenta's MelodyRNN
pipeline (the ``magenta`` package no longer installs on Python 3.11):

1. split a NoteSequence wherever its time signature or tempo changes
   (note-seq's ``split_note_sequence_on_time_changes``);
2. quantize it to ``steps_per_quarter`` steps (note-seq's ``quantize_note_sequence``);
3. extract monophonic melodies per instrument (:func:`extract_melodies`), with
   MelodyRNN's rules: a melody starts on a bar line, ends at a silence of
   ``gap_bars`` bars, must last ``min_bars`` bars, is truncated at ``max_steps``
   and needs ``min_unique_pitches`` distinct pitch classes. **Polyphony** is
   resolved by keeping the highest note among notes that start on the same
   step; a note that starts while another sounds cuts the earlier one off;
4. squash each melody into ``[min_pitch, max_pitch)`` after transposing it to C
   (:func:`squash`), and
5. encode it as one-hot class indices (:func:`encode`): 0 = NO_EVENT,
   1 = NOTE_OFF, 2 + (pitch - min_pitch) for a note onset.

Events use note-seq's values: a MIDI pitch, ``MELODY_NOTE_OFF`` (-1) or
``MELODY_NO_EVENT`` (-2). ``tests/test_melodies.py`` checks every stage against
note-seq's ``Melody`` on fixtures.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence

import numpy as np

from melodyreg import constants as C
from melodyreg.data.noteseq import music_pb2, note_seq


def steps_per_bar(quantized: music_pb2.NoteSequence) -> float:
    """Steps in one bar of a quantized sequence, from its first time signature (4/4 if none)."""
    numerator, denominator = 4, 4
    if quantized.time_signatures:
        ts = min(quantized.time_signatures, key=lambda t: t.time)
        numerator, denominator = ts.numerator, ts.denominator
    spq = quantized.quantization_info.steps_per_quarter
    return spq * 4.0 * numerator / denominator


def quantize_pieces(
    sequence: music_pb2.NoteSequence, steps_per_quarter: int, counts: Counter
) -> list[music_pb2.NoteSequence]:
    """Split ``sequence`` at time changes and quantize each part.

    Parts that cannot be quantized are counted in ``counts`` under
    ``"part: <reason>"`` and left out.
    """
    parts = note_seq.sequences_lib.split_note_sequence_on_time_changes(sequence)
    quantized = []
    for part in parts:
        if not part.notes:
            continue
        try:
            quantized.append(note_seq.quantize_note_sequence(part, steps_per_quarter))
        except note_seq.sequences_lib.BadTimeSignatureError:
            counts["part: bad time signature"] += 1
        except note_seq.sequences_lib.NegativeTimeError:
            counts["part: negative time"] += 1
        except note_seq.sequences_lib.MultipleTimeSignatureError:  # pragma: no cover - split prevents it
            counts["part: several time signatures"] += 1
    return quantized


def _last_on_off(events: list[int]) -> tuple[int, int]:
    """Index of the last note onset and of the NOTE_OFF (or end) after it."""
    last_off = len(events)
    for i in range(len(events) - 1, -1, -1):
        if events[i] == C.MELODY_NOTE_OFF:
            last_off = i
        if events[i] >= 0:
            return i, last_off
    raise ValueError("melody holds no note onset")


def _set_length(events: list[int], length: int) -> None:
    """Pad with NO_EVENT or cut ``events`` to ``length`` in place."""
    if length < len(events):
        del events[length:]
    else:
        events.extend([C.MELODY_NO_EVENT] * (length - len(events)))


def _add_note(events: list[int], pitch: int, start: int, end: int) -> None:
    """Write a note from ``start`` to ``end`` (exclusive) into ``events``, cutting what follows."""
    _set_length(events, end + 1)
    events[start] = pitch
    events[end] = C.MELODY_NOTE_OFF
    for i in range(start + 1, end):
        events[i] = C.MELODY_NO_EVENT


def melody_from_quantized(
    quantized: music_pb2.NoteSequence,
    *,
    search_start_step: int = 0,
    instrument: int = 0,
    gap_bars: float = C.GAP_BARS,
) -> tuple[list[int], int]:
    """Read one monophonic melody of one instrument, starting at ``search_start_step``.

    Notes are taken in order of onset, highest pitch first among equal onsets;
    a second note on the same onset is dropped (the highest note wins), drum
    notes and zero-velocity notes are ignored, and a silence of ``gap_bars``
    bars ends the melody. The melody starts on the bar line before its first
    note.

    Returns:
        ``(events, start_step)``; ``events`` is empty when no note is left.
    """
    bar = int(steps_per_bar(quantized))
    notes = sorted(
        (n for n in quantized.notes if n.instrument == instrument and n.quantized_start_step >= search_start_step),
        key=lambda n: (n.quantized_start_step, -n.pitch),
    )
    if not notes:
        return [], search_start_step
    first = notes[0].quantized_start_step
    start_step = first - (first - search_start_step) % bar
    events: list[int] = []
    for note in notes:
        if note.is_drum or not note.velocity:
            continue
        start = note.quantized_start_step - start_step
        end = note.quantized_end_step - start_step
        if start >= end:
            continue  # zero-length notes are dropped by the corpus readers already
        if events:
            last_on, last_off = _last_on_off(events)
            if start == last_on:
                continue  # same onset: the higher note, seen first, is kept
            if start - last_off >= gap_bars * bar:
                break
        _add_note(events, note.pitch, start, end)
    if events and events[-1] == C.MELODY_NOTE_OFF:
        del events[-1]
    return events, start_step


def extract_melodies(
    quantized: music_pb2.NoteSequence,
    counts: Counter,
    *,
    min_bars: int = C.MIN_BARS,
    max_steps: int = C.MAX_STEPS,
    gap_bars: float = C.GAP_BARS,
    min_unique_pitches: int = C.MIN_UNIQUE_PITCHES,
) -> list[list[int]]:
    """Extract every melody of every instrument in a quantized sequence.

    After each melody the search goes on at the next bar line after its end.
    Melodies shorter than ``min_bars`` bars or with fewer than
    ``min_unique_pitches`` pitch classes are left out and counted in
    ``counts``; longer than ``max_steps`` are truncated (and counted).
    """
    bar_float = steps_per_bar(quantized)
    if bar_float % 1:
        counts["part: bar is not a whole number of steps"] += 1
        return []
    bar = int(bar_float)
    melodies = []
    for instrument in sorted({n.instrument for n in quantized.notes}):
        search = 0
        while True:
            events, start = melody_from_quantized(
                quantized, search_start_step=search, instrument=instrument, gap_bars=gap_bars
            )
            if not events:
                break
            end = start + len(events)
            search = end + (-end) % bar  # the next bar line at or after the end
            if len(events) < bar * min_bars:
                counts["melody: shorter than min_bars"] += 1
                continue
            if len(events) > max_steps:
                del events[max_steps:]
                counts["melody: truncated to max_steps (kept)"] += 1
            pitches = np.asarray([e for e in events if e >= 0])
            if np.unique(pitches % C.NOTES_PER_OCTAVE).size < min_unique_pitches:
                counts["melody: too few distinct pitches"] += 1
                continue
            melodies.append(events)
    return melodies


def major_key(events: Sequence[int]) -> int:
    """The major key (C=0 ... B=11) holding most of the melody's notes; ties go to the lowest."""
    pcs = np.bincount(np.asarray([e for e in events if e >= 0], dtype=int) % 12, minlength=12)
    key_hist = np.zeros(C.NOTES_PER_OCTAVE)
    for pc, count in enumerate(pcs):
        for key in C.NOTE_KEYS[pc]:
            key_hist[key] += count
    return int(key_hist.argmax())


def squash(
    events: Sequence[int],
    min_pitch: int = C.MIN_PITCH,
    max_pitch: int = C.MAX_PITCH,
    transpose_to_key: int | None = C.TRANSPOSE_TO_KEY,
) -> list[int]:
    """Transpose a melody to ``transpose_to_key`` and fold it into ``[min_pitch, max_pitch)``.

    The transposition moves the melody's guessed major key onto the target key
    and picks the octave that best centres the melody in the range; notes still
    outside the range are moved by whole octaves into it.
    """
    out = list(events)
    pitches = [e for e in out if e >= 0]
    if not pitches:
        return out
    shift = 0
    if transpose_to_key is not None:
        key_diff = transpose_to_key - major_key(out)
        centre = (min(pitches) + max(pitches)) / 2
        target = (min_pitch + max_pitch - 1) / 2
        shift = key_diff + 12 * int(round((target - (centre + key_diff)) / 12.0))
    for i, e in enumerate(out):
        if e >= 0:
            p = e + shift
            if p < min_pitch:
                p = min_pitch + (p - min_pitch) % 12
            elif p >= max_pitch:
                p = max_pitch - 12 + (p - max_pitch) % 12
            out[i] = p
    return out


def encode(events: Sequence[int], min_pitch: int = C.MIN_PITCH, max_pitch: int = C.MAX_PITCH) -> np.ndarray:
    """Event values → one-hot class indices (``int8``): NO_EVENT 0, NOTE_OFF 1, pitch p → 2 + p - min_pitch.

    Raises:
        ValueError: a pitch lies outside ``[min_pitch, max_pitch)`` or an event is unknown.
    """
    arr = np.asarray(events, dtype=np.int64)
    bad = (arr < C.MELODY_NO_EVENT) | ((arr >= 0) & ((arr < min_pitch) | (arr >= max_pitch)))
    if bad.any():
        raise ValueError(
            f"events outside the encodable range [{min_pitch}, {max_pitch}): {sorted(set(arr[bad].tolist()))}"
        )
    classes = np.where(arr >= 0, arr - min_pitch + C.NUM_SPECIAL_EVENTS, arr + 2)
    return classes.astype(np.int8)


def decode(classes: Sequence[int] | np.ndarray, min_pitch: int = C.MIN_PITCH) -> list[int]:
    """One-hot class indices → event values (the inverse of :func:`encode`)."""
    arr = np.asarray(classes, dtype=np.int64)
    if arr.size and (arr.min() < 0 or arr.max() >= C.NUM_CLASSES):
        raise ValueError(f"class indices must lie in [0, {C.NUM_CLASSES}), got {arr.min()}..{arr.max()}")
    return np.where(arr >= C.NUM_SPECIAL_EVENTS, arr - C.NUM_SPECIAL_EVENTS + min_pitch, arr - 2).tolist()


def notes(events: Sequence[int]) -> list[tuple[int, int, int]]:
    """``(pitch, onset step, length in steps)`` of every note of a melody of event values."""
    out, pitch, onset = [], None, 0
    for step, e in enumerate(list(events) + [C.MELODY_NOTE_OFF]):
        if e == C.MELODY_NO_EVENT:
            continue
        if pitch is not None and step > onset:
            out.append((pitch, onset, step - onset))
        pitch, onset = (int(e), step) if e >= 0 else (None, step)
    return out


def to_note_sequence(
    events: Sequence[int],
    *,
    steps_per_quarter: int = C.STEPS_PER_QUARTER,
    qpm: float = C.DEFAULT_QPM,
    velocity: int = 90,
    program: int = 0,
) -> music_pb2.NoteSequence:
    """Event values → a NoteSequence (for MIDI export, audio and piano rolls)."""
    seconds_per_step = 60.0 / qpm / steps_per_quarter
    seq = music_pb2.NoteSequence(ticks_per_quarter=C.STANDARD_PPQ)
    seq.tempos.add(qpm=qpm)
    for pitch, onset, length in notes(events):
        seq.notes.add(
            pitch=pitch,
            velocity=velocity,
            program=program,
            start_time=onset * seconds_per_step,
            end_time=(onset + length) * seconds_per_step,
        )
    seq.total_time = len(events) * seconds_per_step
    return seq


def midi_bytes(sequence: music_pb2.NoteSequence) -> bytes:
    """A NoteSequence as Standard MIDI File bytes."""
    buffer = io.BytesIO()
    note_seq.midi_io.note_sequence_to_pretty_midi(sequence).write(buffer)
    return buffer.getvalue()
