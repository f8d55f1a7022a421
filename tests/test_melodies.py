"""Melody extraction, squashing and encoding: hand examples and cross-checks against note-seq."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from helpers import NO_EVENT as NE
from helpers import NOTE_OFF as OFF
from helpers import make_sequence, quantized, quarters
from melodyreg import constants as C
from melodyreg.data import melodies as mel
from melodyreg.data.noteseq import note_seq

# ---------------------------------------------------------------------------
# encode / decode
# ---------------------------------------------------------------------------


def test_encode_hand_examples():
    classes = mel.encode([NE, OFF, 48, 83, 60])
    assert classes.dtype == np.int8
    assert classes.tolist() == [0, 1, 2, 37, 14]


def test_decode_hand_examples():
    assert mel.decode([0, 1, 2, 37, 14]) == [NE, OFF, 48, 83, 60]
    assert mel.decode(np.zeros(0, dtype=np.int8)) == []


def test_encode_decode_round_trip_over_every_class():
    events = [NE, OFF] + list(range(C.MIN_PITCH, C.MAX_PITCH))
    classes = mel.encode(events)
    assert classes.tolist() == list(range(C.NUM_CLASSES))
    assert mel.decode(classes) == events


def test_encode_with_another_range():
    assert mel.encode([60, 71, OFF], min_pitch=60, max_pitch=72).tolist() == [2, 13, 1]


@pytest.mark.parametrize("bad", [47, 84, 127, -3])
def test_encode_rejects_events_outside_the_range(bad):
    with pytest.raises(ValueError, match=r"outside the encodable range \[48, 84\)") as info:
        mel.encode([60, bad, NE])
    assert f"[{bad}]" in str(info.value)


@pytest.mark.parametrize("bad", [[38], [-1, 3]])
def test_decode_rejects_unknown_classes(bad):
    with pytest.raises(ValueError, match=r"class indices must lie in \[0, 38\)"):
        mel.decode(bad)


# ---------------------------------------------------------------------------
# steps_per_bar and quantize_pieces
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("signature, steps", [((4, 4), 16), ((3, 4), 12), ((6, 8), 12), ((2, 2), 16), (None, 16)])
def test_steps_per_bar(signature, steps):
    q = quantized([(60, 0, 4)], time_signature=signature)
    assert mel.steps_per_bar(q) == steps


def test_quantize_pieces_splits_at_a_meter_change():
    # 4/4 for two bars (32 steps), then 3/4: two parts, each with its own meter.
    notes = quarters([60, 62, 64, 65, 67, 69, 71, 72]) + quarters([60, 62, 64], start=32)
    seq = make_sequence(notes, extra_time_signatures=[(32, 3, 4)])
    counts = Counter()
    parts = mel.quantize_pieces(seq, 4, counts)
    assert [len(p.notes) for p in parts] == [8, 3]
    assert [mel.steps_per_bar(p) for p in parts] == [16, 12]
    assert [n.quantized_start_step for n in parts[1].notes] == [0, 4, 8]
    assert counts == Counter()


def test_quantize_pieces_counts_a_bad_time_signature():
    seq = make_sequence([(60, 0, 4)], time_signature=(4, 3))  # denominator not a power of 2
    counts = Counter()
    assert mel.quantize_pieces(seq, 4, counts) == []
    assert counts == Counter({"part: bad time signature": 1})


# ---------------------------------------------------------------------------
# melody_from_quantized: hand examples
# ---------------------------------------------------------------------------


def test_melody_starts_on_the_bar_line_before_its_first_note():
    q = quantized([(60, 20, 24), (62, 24, 28)])
    events, start = mel.melody_from_quantized(q)
    assert start == 16
    assert events == [NE, NE, NE, NE, 60, NE, NE, NE, 62, NE, NE, NE]  # final NOTE_OFF stripped


def test_melody_start_is_measured_from_the_search_start():
    q = quantized([(60, 0, 4), (64, 40, 44), (65, 44, 48)])
    events, start = mel.melody_from_quantized(q, search_start_step=32)
    assert start == 32
    assert events == [NE] * 8 + [64, NE, NE, NE, 65, NE, NE, NE]


def test_a_gap_of_one_bar_ends_the_melody():
    # NOTE_OFF at step 4, next onset at 20: a gap of 16 steps = 1 bar.
    events, start = mel.melody_from_quantized(quantized([(60, 0, 4), (62, 20, 24)]))
    assert (events, start) == ([60, NE, NE, NE], 0)


def test_a_gap_shorter_than_a_bar_is_a_rest():
    events, _ = mel.melody_from_quantized(quantized([(60, 0, 4), (62, 19, 21)]))
    assert events == [60, NE, NE, NE, OFF] + [NE] * 14 + [62, NE]


def test_gap_bars_is_respected():
    q = quantized([(60, 0, 4), (62, 20, 24)])
    events, _ = mel.melody_from_quantized(q, gap_bars=2)
    assert events == [60, NE, NE, NE, OFF] + [NE] * 15 + [62, NE, NE, NE]


def test_highest_note_wins_on_equal_onsets():
    q = quantized([(60, 0, 4), (67, 0, 2), (64, 0, 8), (62, 4, 8)])
    events, _ = mel.melody_from_quantized(q)
    assert events == [67, NE, OFF, NE, 62, NE, NE, NE]


def test_a_later_note_cuts_a_sounding_note():
    assert mel.melody_from_quantized(quantized([(60, 0, 8), (62, 4, 6)]))[0] == [60, NE, NE, NE, 62, NE]
    assert mel.melody_from_quantized(quantized([(60, 0, 4), (62, 2, 10)]))[0] == [60, NE, 62] + [NE] * 7


def test_drum_and_silent_notes_are_ignored():
    q = quantized([(36, 0, 2, 0, {"is_drum": True}), (70, 2, 4, 0, {"velocity": 0}), (60, 4, 8)])
    events, start = mel.melody_from_quantized(q)
    assert (events, start) == ([NE, NE, NE, NE, 60, NE, NE, NE], 0)


def test_only_the_requested_instrument_is_read():
    q = quantized([(60, 0, 4, 0), (72, 0, 8, 1), (74, 8, 12, 1)])
    assert mel.melody_from_quantized(q, instrument=1)[0] == [72] + [NE] * 7 + [74, NE, NE, NE]
    assert mel.melody_from_quantized(q, instrument=2) == ([], 0)


def test_no_notes_after_the_search_start_gives_an_empty_melody():
    assert mel.melody_from_quantized(quantized([(60, 0, 4)]), search_start_step=16) == ([], 16)


# ---------------------------------------------------------------------------
# extract_melodies
# ---------------------------------------------------------------------------

FIVE = [60, 62, 64, 65, 67]  # five pitch classes: just enough


def bars_of_quarters(n_quarters: int, start: int = 0, pitches=FIVE, instrument: int = 0):
    return quarters([pitches[i % len(pitches)] for i in range(n_quarters)], start=start, instrument=instrument)


def test_extract_keeps_a_melody_of_exactly_min_bars():
    counts = Counter()
    melodies = mel.extract_melodies(quantized(bars_of_quarters(28)), counts)  # 28 quarters = 7 bars
    assert [len(m) for m in melodies] == [112]
    assert melodies[0][:8] == [60, NE, NE, NE, 62, NE, NE, NE]
    assert counts == Counter()


def test_extract_discards_a_melody_one_step_short_of_min_bars():
    notes = bars_of_quarters(27) + [(60, 108, 111)]  # ends at 111: 111 events
    counts = Counter()
    assert mel.extract_melodies(quantized(notes), counts) == []
    assert counts == Counter({"melody: shorter than min_bars": 1})


def test_extract_counts_melodies_with_too_few_pitch_classes():
    # eight distinct pitches, but only four pitch classes (C, D, E, F in two octaves)
    notes = bars_of_quarters(32, pitches=[60, 72, 62, 74, 64, 76, 65, 77])
    counts = Counter()
    assert mel.extract_melodies(quantized(notes), counts) == []
    assert counts == Counter({"melody: too few distinct pitches": 1})
    assert len(mel.extract_melodies(quantized(notes), Counter(), min_unique_pitches=4)) == 1


def test_extract_truncates_at_max_steps_and_counts_it():
    counts = Counter()
    melodies = mel.extract_melodies(quantized(bars_of_quarters(32)), counts, max_steps=100, min_bars=2)
    assert [len(m) for m in melodies] == [100]
    assert counts == Counter({"melody: truncated to max_steps (kept)": 1})


def test_extract_finds_several_melodies_and_instruments():
    # instrument 0: a 7-bar melody, a 3-bar silence, a 1-bar fragment; instrument 1: a 7-bar melody
    notes = (
        bars_of_quarters(28)
        + [(60, 160, 164), (62, 164, 168)]
        + bars_of_quarters(28, instrument=1, pitches=[72, 74, 76, 77, 79])
    )
    counts = Counter()
    melodies = mel.extract_melodies(quantized(notes), counts)
    assert [len(m) for m in melodies] == [112, 112]
    assert melodies[0][0] == 60 and melodies[1][0] == 72
    assert counts == Counter({"melody: shorter than min_bars": 1})


def test_extract_melody_settings_change_the_result():
    notes = bars_of_quarters(8)  # 2 bars
    assert mel.extract_melodies(quantized(notes), Counter()) == []
    assert [len(m) for m in mel.extract_melodies(quantized(notes), Counter(), min_bars=2)] == [32]


def test_extract_counts_bars_that_are_not_whole_steps():
    seq = make_sequence([(60, 0, 4)], time_signature=(3, 8))
    q = note_seq.quantize_note_sequence(seq, 1)  # 3/8 at one step a quarter: 1.5 steps a bar
    counts = Counter()
    assert mel.extract_melodies(q, counts) == []
    assert counts == Counter({"part: bar is not a whole number of steps": 1})


# ---------------------------------------------------------------------------
# major_key and squash
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "events, key",
    [
        ([60], 0),  # C is in 7 major keys: C, C#, Eb, F, G, Ab, Bb; ties go to the lowest
        ([61], 1),  # C# is in C#, D, E, F#, G#, A, B: lowest is C# (1)
        ([60, 66], 1),  # C and F# are both in C# major (B#) and G major: lowest is 1
        ([67, 67, 66, NE, OFF], 2),  # G, G, F#: D and G major hold all three; lowest is D (2)
        ([62, 64, 66, 67, 69, 71, 73, 74], 2),  # D major scale
    ],
)
def test_major_key(events, key):
    assert mel.major_key(events) == key


def test_squash_transposes_to_c():
    # D major, centre 68; moved down 2 (to C) the centre 66 is within half an octave of 65.5
    d_major = [62, NE, 64, OFF, 66, 67, 69, 71, 73, 74]
    assert mel.squash(d_major) == [60, NE, 62, OFF, 64, 65, 67, 69, 71, 72]


def test_squash_moves_a_high_melody_down_by_octaves():
    # key C; centre 87.5 vs target 65.5: round(-22 / 12) = -2 octaves
    assert mel.squash([84, 86, 88, 89, 91]) == [60, 62, 64, 65, 67]


def test_squash_folds_notes_outside_the_range():
    # C (ties → key 0) with centre 68: no shift; 36 folds up to 48, 100 folds down to 76
    assert mel.squash([36, NE, 60, OFF, 100]) == [48, NE, 60, OFF, 76]


def test_squash_without_transposition_only_folds():
    assert mel.squash([62, 90, 40], transpose_to_key=None) == [62, 78, 52]


def test_squash_without_notes_is_unchanged():
    assert mel.squash([NE, OFF, NE]) == [NE, OFF, NE]


# ---------------------------------------------------------------------------
# to_note_sequence
# ---------------------------------------------------------------------------


def test_to_note_sequence_hand_example():
    seq = mel.to_note_sequence([60, NE, NE, OFF, NE, 62, NE, 64])
    got = [(n.pitch, n.start_time, n.end_time, n.velocity) for n in seq.notes]
    assert got == [(60, 0.0, 0.375, 90), (62, 0.625, 0.875, 90), (64, 0.875, 1.0, 90)]
    assert seq.total_time == 1.0
    assert [t.qpm for t in seq.tempos] == [120.0]


def test_to_note_sequence_tempo_and_program():
    seq = mel.to_note_sequence([NE, 70, NE], qpm=60.0, program=40, velocity=50)
    assert [(n.pitch, n.start_time, n.end_time, n.program, n.velocity) for n in seq.notes] == [(70, 0.25, 0.75, 40, 50)]
    assert seq.total_time == 0.75


def test_to_note_sequence_round_trips_through_extraction():
    events = [60, NE, NE, NE, 62, NE, OFF, NE, 64, NE, NE, NE, 65, NE, NE, NE]
    seq = mel.to_note_sequence(events)
    seq.time_signatures.add(time=0.0, numerator=4, denominator=4)
    q = note_seq.quantize_note_sequence(seq, 4)
    assert mel.melody_from_quantized(q) == (events, 0)


# ---------------------------------------------------------------------------
# Cross-checks against note-seq's Melody
# ---------------------------------------------------------------------------


def note_seq_melody(q, search_start_step=0, instrument=0, gap_bars=1):
    m = note_seq.Melody()
    m.from_quantized_sequence(
        q, search_start_step=search_start_step, instrument=instrument, gap_bars=gap_bars, ignore_polyphonic_notes=True
    )
    return m


def note_seq_extract(q, min_bars=C.MIN_BARS, max_steps=C.MAX_STEPS, min_unique_pitches=C.MIN_UNIQUE_PITCHES):
    """MelodyRNN's extract_melodies loop (magenta's melody_pipelines), built on note-seq's Melody."""
    bar = int(note_seq.sequences_lib.steps_per_bar_in_quantized_sequence(q))
    out = []
    for instrument in sorted({n.instrument for n in q.notes}):
        search = 0
        while True:
            m = note_seq_melody(q, search, instrument)
            search = m.end_step + (search - m.end_step) % bar
            if not m:
                break
            if len(m) < m.steps_per_bar * min_bars:
                continue
            if len(m) > max_steps:
                m.set_length(max_steps)
            if np.count_nonzero(m.get_note_histogram()) < min_unique_pitches:
                continue
            out.append(list(m))
    return out


FIXTURES = {
    "monophonic": [(60, 0, 4), (62, 4, 8), (64, 8, 10), (65, 12, 20), (67, 20, 24)],
    "pickup": [(67, 12, 16), (72, 16, 24), (71, 24, 28), (69, 28, 32)],
    "chords": [(60, 0, 8), (64, 0, 8), (67, 0, 8), (62, 8, 12), (65, 8, 12), (71, 8, 16), (72, 16, 20)],
    "overlaps": [(60, 0, 12), (62, 2, 4), (64, 3, 20), (65, 10, 11), (67, 30, 31)],
    "gaps": [(60, 0, 4), (62, 19, 21), (64, 21, 22), (65, 40, 44), (67, 60, 64), (69, 64, 80)],
    "two instruments": [(60, 0, 4, 0), (72, 0, 8, 1), (62, 4, 8, 0), (71, 6, 9, 1), (60, 8, 12, 1)],
    "drums and silence": [
        (36, 0, 1, 0, {"is_drum": True}),
        (61, 1, 3),
        (63, 1, 5, 0, {"velocity": 0}),
        (66, 3, 5),
        (68, 5, 6),
    ],
}


@pytest.mark.parametrize("name", sorted(FIXTURES))
@pytest.mark.parametrize("signature", [(4, 4), (3, 4)])
def test_melody_from_quantized_matches_note_seq(name, signature):
    q = quantized(FIXTURES[name], time_signature=signature)
    checked = 0
    for instrument in (0, 1):
        for search in (0, 12, 16, 32, 48):
            ours, start = mel.melody_from_quantized(q, search_start_step=search, instrument=instrument)
            theirs = note_seq_melody(q, search, instrument)
            assert ours == list(theirs), (instrument, search)
            if ours:
                assert start == theirs.start_step
                assert mel.squash(ours, 48, 84, 0) == _note_seq_squash(theirs)
                checked += 1
    assert checked >= 1  # the fixture did produce a melody to compare


def _note_seq_squash(melody) -> list[int]:
    melody.squash(48, 84, 0)
    return list(melody)


def _random_notes(rng: np.random.Generator, polyphonic: bool) -> list[tuple]:
    notes = []
    step = int(rng.integers(0, 20))
    for _ in range(int(rng.integers(5, 60))):
        pitch = int(rng.integers(30, 100))
        length = int(rng.integers(1, 12))
        instrument = int(rng.integers(0, 2)) if polyphonic else 0
        fields = {}
        if polyphonic and rng.random() < 0.05:
            fields["is_drum"] = True
        if rng.random() < 0.03:
            fields["velocity"] = 0
        notes.append((pitch, step, step + length, instrument, fields))
        if polyphonic and rng.random() < 0.4:  # a chord or an overlapping note
            notes.append(
                (
                    int(rng.integers(30, 100)),
                    step + int(rng.integers(0, 3)),
                    step + int(rng.integers(1, 16)) + 2,
                    instrument,
                )
            )
        gap = int(rng.choice([0, 0, 0, 1, 2, 5, 17, 40]))
        step += (length if rng.random() < 0.8 else int(rng.integers(1, length + 1))) + gap
    return notes


def test_random_sequences_match_note_seq():
    rng = np.random.default_rng(20170)
    compared_melodies = extracted_melodies = 0
    for i in range(50):
        notes = _random_notes(rng, polyphonic=bool(i % 2))
        signature = [(4, 4), (3, 4), (6, 8)][i % 3]
        q = quantized(notes, time_signature=signature)
        for instrument in (0, 1):
            for search in (0, 24, 48):
                ours, start = mel.melody_from_quantized(q, search_start_step=search, instrument=instrument)
                theirs = note_seq_melody(q, search, instrument)
                assert ours == list(theirs), (i, instrument, search)
                if ours:
                    assert start == theirs.start_step
                    assert mel.squash(ours) == _note_seq_squash(theirs), (i, instrument, search)
                    compared_melodies += 1
        settings = {"min_bars": 2, "max_steps": 64, "min_unique_pitches": 3}
        extracted = mel.extract_melodies(q, Counter(), **settings)
        assert extracted == note_seq_extract(q, **settings), i
        extracted_melodies += len(extracted)
    assert compared_melodies > 100 and extracted_melodies > 50  # the comparisons were not vacuous
