"""Corpus readers: ABC tunes through music21 and MIDI files, with every failure a counted skip."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from helpers import DATA, make_sequence, midi_bytes_of, write_midi
from melodyreg import constants as C
from melodyreg.data import melodies, sources
from melodyreg.data.noteseq import music_pb2

# ---------------------------------------------------------------------------
# ABC: the static fixture file tests/data/tunes.abc
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tunes() -> dict[int, sources.Piece]:
    pieces = sources.read_abc(DATA / "tunes.abc", "fixture")
    return {int(p.piece_id.rsplit("#", 1)[1]): p for p in pieces}


def notes_of(piece: sources.Piece) -> list[tuple[int, float, float]]:
    return [(n.pitch, n.start_time, n.end_time) for n in piece.sequence.notes]


def test_read_abc_reads_every_tune_with_ids_and_titles(tunes):
    assert sorted(tunes) == [1, 2, 3, 4]
    assert tunes[1].piece_id == "fixture/tunes.abc#1"
    assert tunes[1].collection == "fixture"
    assert [tunes[i].title for i in (1, 2, 3)] == ["Pickup And Ties", "Chord And Grace", "Meter Again"]
    assert [tunes[i].skip for i in (1, 2, 3)] == [None, None, None]


def test_pickup_is_aligned_so_the_first_full_bar_starts_on_a_bar_line(tunes):
    # `D2|G2A2 ...` in 4/4 with L:1/8: the pickup is a quarter note, so it sits on
    # beat 4 of an empty bar (3 quarters = 1.5 s at 120 qpm) and G on the bar line at 2.0 s.
    notes = notes_of(tunes[1])
    assert notes[0] == (62, 1.5, 2.0)
    assert notes[1] == (67, 2.0, 2.5)
    seq = tunes[1].sequence
    assert [(t.time, t.numerator, t.denominator) for t in seq.time_signatures] == [(0.0, 4, 4)]
    assert [(t.time, t.qpm) for t in seq.tempos] == [(0.0, 120.0)]


def test_tied_notes_are_merged_into_one(tunes):
    # `c2-|c2`: two eighth-note pairs tied over the bar line = one half note (1.0 s), from 3.5 s.
    notes = notes_of(tunes[1])
    assert (72, 3.5, 4.5) in notes
    assert [n for n in notes if n[0] == 72] == [(72, 3.5, 4.5)]
    assert len(notes) == 8  # D G A B c(tied) B A G
    assert notes[-1] == (67, 6.0, 8.0)
    assert tunes[1].sequence.total_time == 8.0


def test_chord_keeps_all_notes_and_grace_note_is_dropped_and_counted(tunes):
    notes = notes_of(tunes[2])
    assert notes[:3] == [(60, 0.0, 0.5), (64, 0.0, 0.5), (67, 0.0, 0.5)]  # the chord [CEG]
    assert notes[3] == (72, 0.5, 1.0)  # c after the grace note {d}, which has no time
    assert 74 not in [n[0] for n in notes]
    # one grace note; the chord symbol "C" is an annotation, neither a note nor a grace note
    assert tunes[2].counts == Counter({"note: grace note dropped": 1})
    assert [(t.numerator, t.denominator) for t in tunes[2].sequence.time_signatures] == [(3, 4)]


def test_repeated_meter_is_merged_and_counted(tunes):
    seq = tunes[3].sequence
    assert [(t.time, t.numerator, t.denominator) for t in seq.time_signatures] == [(0.0, 2, 4)]
    assert tunes[3].counts == Counter({"meter: repeated time signature merged": 1})
    # K:D: f is F#, c' is C#6; eight quarter notes back to back
    assert notes_of(tunes[3]) == [(p, i * 0.5, i * 0.5 + 0.5) for i, p in enumerate([74, 76, 78, 79, 81, 83, 85, 86])]


def test_broken_tune_becomes_a_skipped_piece_not_an_exception(tunes):
    broken = tunes[4]
    assert broken.sequence is None
    assert broken.skip == "unparsable ABC tune (AccidentalException)"


def test_unparsable_file_gives_one_skipped_piece():
    pieces = sources.read_abc(DATA / "unparsable.abc", "fixture")
    assert len(pieces) == 1
    assert pieces[0].piece_id == "fixture/unparsable.abc"
    assert pieces[0].sequence is None
    assert pieces[0].skip == "unparsable ABC file (ABCHandlerException)"


def test_read_abc_from_text_with_voices_and_a_long_tie():
    text = "X:7\nT:Voices\nM:2/4\nL:1/4\nK:C\nV:1\nc d|e2-|e2|]\nV:2\nC D|E F|]\n"
    (piece,) = sources.read_abc(Path("any/voices.abc"), "inline", text=text)
    # music21 splits by X: only when a file holds several tunes; a lone tune is number 1
    assert piece.piece_id == "inline/voices.abc#1"
    by_instrument = {
        i: [(n.pitch, n.start_time, n.end_time) for n in piece.sequence.notes if n.instrument == i] for i in (0, 1)
    }
    # e2-|e2: a tie over two bars = 4 quarters = 2.0 s
    assert by_instrument[0] == [(72, 0.0, 0.5), (74, 0.5, 1.0), (76, 1.0, 3.0)]
    assert by_instrument[1] == [(60, 0.0, 0.5), (62, 0.5, 1.0), (64, 1.0, 1.5), (65, 1.5, 2.0)]


def test_read_abc_decodes_latin1_files(tmp_path):
    path = tmp_path / "latin.abc"
    path.write_bytes("X:1\nT:Caf\xe9\nM:2/4\nL:1/4\nK:C\nc d|]\n".encode("latin-1"))
    (piece,) = sources.read_abc(path, "latin")
    assert piece.title == "Caf\xe9"
    assert [n.pitch for n in piece.sequence.notes] == [72, 74]


def test_collection_files_unknown_name():
    with pytest.raises(ValueError, match=r"unknown collection 'nope'; known: oneills1850"):
        sources.collection_files("nope")


def test_collection_files_lists_the_abc_files_sorted():
    files = sources.collection_files("miscFolk")
    assert [f.name for f in files] == ["americanfifeopus.abc", "northumbrianminstrelsyopus.abc"]
    assert all(f.parent == sources.music21_corpus_dir() / "miscFolk" for f in files)


# ---------------------------------------------------------------------------
# MIDI
# ---------------------------------------------------------------------------


def test_read_midi_bytes_and_path(tmp_path):
    notes = [(60, 0, 4), (64, 4, 8), (67, 8, 16)]
    path = write_midi(tmp_path / "a.mid", notes)
    from_path = sources.read_midi(path, "a", "mine", title="A", split="train")
    from_bytes = sources.read_midi(path.read_bytes(), "a", "mine")
    for piece in (from_path, from_bytes):
        assert piece.skip is None
        assert [(n.pitch, n.start_time, n.end_time) for n in piece.sequence.notes] == [
            (60, 0.0, 0.5),
            (64, 0.5, 1.0),
            (67, 1.0, 2.0),
        ]
    assert (from_path.title, from_path.split, from_path.collection) == ("A", "train", "mine")


@pytest.mark.parametrize(
    "data, skip",
    [
        (b"", "empty file"),
        (b"MThd\x00\x00\x00\x06 definitely not MIDI", "corrupt MIDI (MIDIConversionError)"),
        (b"RIFF....WAVEfmt ", "corrupt MIDI (MIDIConversionError)"),
        (midi_bytes_of([(36, 0, 2), (38, 2, 4)], is_drum=True), "drums only"),
        (midi_bytes_of([(60, 4, 4), (62, 8, 8)]), "no notes"),  # zero-length notes only
    ],
    ids=["empty", "corrupt-header", "not-midi", "drums-only", "zero-length-only"],
)
def test_read_midi_bad_input_is_a_skipped_piece(data, skip):
    piece = sources.read_midi(data, "bad", "mine")
    assert piece.skip == skip
    assert piece.sequence is None


def test_read_midi_missing_path(tmp_path):
    piece = sources.read_midi(tmp_path / "absent.mid", "absent", "mine")
    assert piece.skip == "unreadable file (FileNotFoundError)"
    assert piece.sequence is None


def test_check_sequence_drops_zero_length_notes_and_counts_them():
    seq = make_sequence([(60, 0, 4), (62, 4, 4), (64, 6, 6), (65, 8, 12)])
    piece = sources.check_sequence(sources.Piece("p", "c", sequence=seq))
    assert piece.skip is None
    assert [n.pitch for n in piece.sequence.notes] == [60, 65]
    assert piece.counts == Counter({"note: zero-length note dropped": 2})


def test_check_sequence_marks_empty_and_drum_only_pieces():
    zero = sources.check_sequence(sources.Piece("z", "c", sequence=make_sequence([(60, 4, 4)])))
    assert (zero.skip, zero.sequence, zero.counts) == ("no notes", None, Counter({"note: zero-length note dropped": 1}))
    drums = make_sequence([(36, 0, 4, 9, {"is_drum": True})])
    assert sources.check_sequence(sources.Piece("d", "c", sequence=drums)).skip == "drums only"
    mixed = make_sequence([(36, 0, 4, 9, {"is_drum": True}), (60, 0, 4)])
    assert sources.check_sequence(sources.Piece("m", "c", sequence=mixed)).skip is None
    already = sources.Piece("s", "c", skip="empty file")
    assert sources.check_sequence(already) is already and already.skip == "empty file"


def test_midi_folder_files_names_everything_it_ignores(tmp_path):
    write_midi(tmp_path / "b" / "two.MIDI", [(60, 0, 4)])
    write_midi(tmp_path / "one.mid", [(60, 0, 4)])
    (tmp_path / "notes.txt").write_text("not midi")
    (tmp_path / "tune.abc").write_text("X:1")
    (tmp_path / "folder.mid").mkdir()
    (tmp_path / "dangling.mid").symlink_to(tmp_path / "gone.mid")
    files, ignored = sources.midi_folder_files(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in files] == ["b/two.MIDI", "one.mid"]
    assert {(p.name, why) for p, why in ignored} == {
        ("notes.txt", "not MIDI"),
        ("tune.abc", "not MIDI"),
        ("folder.mid", "a folder named like a MIDI file"),
        ("dangling.mid", "broken link"),
    }
    # one MIDI file is a corpus of one; another file or nothing at all is refused
    assert sources.midi_folder_files(tmp_path / "one.mid") == ([tmp_path / "one.mid"], [])
    with pytest.raises(FileNotFoundError, match="not a MIDI file"):
        sources.midi_folder_files(tmp_path / "notes.txt")
    with pytest.raises(FileNotFoundError, match="MIDI file or folder not found"):
        sources.midi_folder_files(tmp_path / "nowhere")
    # a device or a FIFO exists: it is no regular file, not "not found"
    os.mkfifo(tmp_path / "pipe.mid")
    with pytest.raises(ValueError, match=r"not a regular file or a folder \(a character device\): /dev/null"):
        sources.midi_folder_files(Path("/dev/null"))
    with pytest.raises(ValueError, match=r"not a regular file or a folder \(a FIFO\)"):
        sources.midi_folder_files(tmp_path / "pipe.mid")
    assert ("pipe.mid", "not a regular file") in {(p.name, why) for p, why in sources.midi_folder_files(tmp_path)[1]}


def test_note_ons_the_reader_drops_are_counted(tmp_path):
    import mido

    midi = mido.MidiFile(ticks_per_beat=220)
    track = mido.MidiTrack()
    midi.tracks.append(track)
    track.append(mido.Message("note_on", note=60, velocity=80, time=0))
    track.append(mido.Message("note_off", note=60, velocity=0, time=220))
    track.append(mido.Message("note_on", note=62, velocity=80, time=0))  # never ends
    track.append(mido.Message("note_on", note=64, velocity=80, time=220))
    track.append(mido.Message("note_off", note=64, velocity=0, time=220))
    path = tmp_path / "unended.mid"
    midi.save(path)
    assert sources.file_notes(path.read_bytes()) == (3, Counter({(60, 0, 220): 1, (64, 440, 660): 1}))
    piece = sources.read_midi(path, "unended", "mine")
    assert piece.skip is None and len(piece.sequence.notes) == 2
    assert piece.counts == Counter({sources.DROPPED: 1})


def test_notes_the_reader_re_pairs_are_counted_apart_from_those_it_drops(tmp_path):
    import mido

    midi = mido.MidiFile(ticks_per_beat=220)
    track = mido.MidiTrack()
    midi.tracks.append(track)
    for kind, note, time in [
        ("note_off", 60, 0),  # a note of length zero at tick 0, its note-off written first ...
        ("note_on", 60, 0),
        ("note_on", 62, 220),  # ... and one at tick 220, its note-on written first
        ("note_off", 62, 0),
        ("note_on", 60, 220),  # a quarter note, 440 to 660
        ("note_off", 60, 220),
    ]:
        track.append(mido.Message(kind, note=note, velocity=80 if kind == "note_on" else 0, time=time))
    path = tmp_path / "zero.mid"
    midi.save(path)
    # the file's own pairing: every note-off ends the earliest open note-on of its pitch
    assert sources.file_notes(path.read_bytes()) == (
        3,
        Counter({(60, 0, 0): 1, (62, 220, 220): 1, (60, 440, 660): 1}),
    )
    # pretty_midi stretches the first to the next note-off of pitch 60 (re-paired) and drops the second
    piece = sources.read_midi(path, "zero", "mine")
    assert sorted((n.pitch, n.start_time, n.end_time) for n in piece.sequence.notes) == [(60, 0.0, 1.5), (60, 1.0, 1.5)]
    assert piece.counts == Counter({sources.DROPPED: 1, sources.REPAIRED: 1})


def test_a_file_of_notes_of_length_zero_is_counted_note_by_note(tmp_path):
    # the case: 64 notes of length zero, eight of each of eight pitches, written (by pretty_midi)
    # note-off first: each but the last of its pitch is re-paired to the pitch's next note, the last dropped
    write_midi(tmp_path / "zero.mid", [(60 + i % 8, 4 * i, 4 * i) for i in range(64)])
    piece = sources.read_midi(tmp_path / "zero.mid", "zero", "mine")
    assert piece.skip is None and len(piece.sequence.notes) == 56
    assert piece.counts == Counter({sources.REPAIRED: 56, sources.DROPPED: 8})


def test_midi_bytes_round_trip():
    seq = make_sequence([(60, 0, 4), (67, 4, 12)])
    data = melodies.midi_bytes(seq)
    assert data[:4] == b"MThd"
    piece = sources.read_midi(data, "rt", "c")
    assert [(n.pitch, n.start_time, n.end_time) for n in piece.sequence.notes] == [(60, 0.0, 0.5), (67, 0.5, 1.5)]


def test_stream_to_sequence_of_a_single_part():
    from music21 import meter, note, stream

    part = stream.Part()
    part.append(meter.TimeSignature("3/4"))
    part.append(note.Note("C4", quarterLength=1.5))
    part.append(note.Note("E4", quarterLength=0.5))
    counts = Counter()
    seq = sources.stream_to_sequence(part, counts)
    assert isinstance(seq, music_pb2.NoteSequence)
    assert seq.ticks_per_quarter == C.STANDARD_PPQ
    assert [(n.pitch, n.start_time, n.end_time, n.instrument) for n in seq.notes] == [
        (60, 0.0, 0.75, 0),
        (64, 0.75, 1.0, 0),
    ]
    assert [(t.numerator, t.denominator) for t in seq.time_signatures] == [(3, 4)]
    assert counts == Counter()
