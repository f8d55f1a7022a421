"""Corpus sources → NoteSequences: folk tunes in ABC (shipped in music21) and MIDI files.

Every reader returns :class:`Piece` records and never raises on bad input: a
piece that cannot be read carries a ``skip`` reason instead of a sequence, so
the pipeline can count it, report it and go on with the rest.

ABC tunes are converted straight from music21 streams to NoteSequences (no MIDI
round trip, so music21's MIDI writer and its trouble with repeated time
signatures never run). Choices, all documented in the data chapter:

* time: 120 quarter notes a minute (ABC ``Q:`` fields only change playback
  speed, and melodies are measured in 16th-note steps, not seconds);
* meter: the ``M:`` fields as written; repeats of the same meter are merged,
  so they do not split a tune; music21's re-barring of overfull bars (which
  invents meters such as 1/16) is switched off;
* pickups: the first bar's notes are shifted so bar lines fall on whole bars;
* ties are merged into one note; grace notes (no duration) are dropped and
  counted; chords keep all their notes (melody extraction keeps the highest);
* repeats are not expanded: a tune is read once, as notated.
"""

from __future__ import annotations

import contextlib
import io
import itertools
from collections import Counter, defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from melodyreg import constants as C
from melodyreg.data.noteseq import music_pb2, note_seq
from melodyreg.files import FOLDER, NOTHING, REGULAR_FILE, what_is


@dataclass
class Piece:
    """One piece of music read from a source.

    Attributes:
        piece_id: stable name, e.g. ``"oneills1850/0001-0050.abc#12"``.
        collection: the collection or corpus the piece belongs to.
        sequence: the NoteSequence, or ``None`` when the piece was skipped.
        skip: why the piece was skipped (``None`` when it was read).
        counts: note-level repairs made while reading (e.g. grace notes dropped).
        title: a human-readable title where the source has one.
        split: the source's own split name where it has one (MAESTRO).
    """

    piece_id: str
    collection: str
    sequence: music_pb2.NoteSequence | None = None
    skip: str | None = None
    counts: Counter = field(default_factory=Counter)
    title: str = ""
    split: str = ""


def music21_corpus_dir() -> Path:
    """The folder of music21's bundled corpus."""
    import music21

    return Path(music21.__file__).parent / "corpus"


def collection_files(collection: str) -> list[Path]:
    """The ABC files of one music21 collection, sorted by name.

    Raises:
        ValueError: ``collection`` is not one of :data:`constants.KNOWN_COLLECTIONS`.
        FileNotFoundError: the installed music21 lacks the collection.
    """
    if collection not in C.KNOWN_COLLECTIONS:
        raise ValueError(f"unknown collection {collection!r}; known: {', '.join(C.KNOWN_COLLECTIONS)}")
    folder = music21_corpus_dir() / collection
    files = sorted(folder.glob("*.abc"))
    if not files:
        raise FileNotFoundError(f"no ABC files for collection {collection!r} under {folder}")
    return files


@contextlib.contextmanager
def _plain_abc_translation() -> Iterator[None]:
    """Switch off two engraving passes of music21's ABC translation while inside.

    ``makeBeams`` (beams are notation, about 70 % of the translation time) and
    ``reBar`` (which splits overfull bars and invents meters such as 1/16) do
    not change pitches or onsets. The patch is process-wide while active; the
    pipeline runs it in worker processes.
    """
    from music21 import stream
    from music21.abcFormat import translate

    saved = translate.reBar, stream.Stream.makeBeams
    translate.reBar = lambda part, inPlace=False: part
    stream.Stream.makeBeams = lambda self, *a, **k: None
    try:
        yield
    finally:
        translate.reBar, stream.Stream.makeBeams = saved


def stream_to_sequence(score, counts: Counter) -> music_pb2.NoteSequence:
    """A music21 Score (or Part) → NoteSequence at :data:`constants.DEFAULT_QPM`.

    Each part becomes one instrument. See the module docstring for the rules.
    """
    from music21 import harmony, meter, stream

    seconds = 60.0 / C.DEFAULT_QPM  # seconds per quarter note
    seq = music_pb2.NoteSequence(ticks_per_quarter=C.STANDARD_PPQ)
    seq.tempos.add(time=0.0, qpm=C.DEFAULT_QPM)
    parts = list(score.parts) if isinstance(score, stream.Score) else [score]
    meters: dict[float, tuple[int, int]] = {}
    for instrument, part in enumerate(parts):
        first_bar = part.getElementsByClass(stream.Measure).first()
        shift = float(first_bar.paddingLeft) if first_bar is not None else 0.0
        flat = part.flatten()
        for ts in flat.getElementsByClass(meter.TimeSignature):
            meters.setdefault(float(ts.offset) + (shift if ts.offset else 0.0), (ts.numerator, ts.denominator))
        tied: dict[int, music_pb2.NoteSequence.Note] = {}
        for element in flat.notes:
            if isinstance(element, harmony.Harmony):
                continue  # chord symbols ("G", "Am") are annotations, not notes nor grace notes
            length = float(element.duration.quarterLength)
            if length <= 0:
                counts["note: grace note dropped"] += 1
                continue
            start = float(element.offset) + shift
            for pitch_obj in element.pitches:
                pitch = int(pitch_obj.midi)
                tie = element.tie if not hasattr(element, "getTie") else element.getTie(pitch_obj)
                kind = tie.type if tie is not None else None
                held = tied.get(pitch)
                if kind in ("continue", "stop") and held is not None and abs(held.end_time - start * seconds) < 1e-6:
                    held.end_time = (start + length) * seconds
                    if kind == "stop":
                        del tied[pitch]
                    continue
                note = seq.notes.add(
                    pitch=pitch,
                    velocity=80,
                    instrument=instrument,
                    start_time=start * seconds,
                    end_time=(start + length) * seconds,
                )
                if kind in ("start", "continue"):
                    tied[pitch] = note
                else:
                    tied.pop(pitch, None)
    previous = None
    for offset in sorted(meters):
        if meters[offset] == previous:
            counts["meter: repeated time signature merged"] += 1
            continue
        previous = meters[offset]
        seq.time_signatures.add(time=offset * seconds, numerator=previous[0], denominator=previous[1])
    seq.total_time = max((n.end_time for n in seq.notes), default=0.0)
    return seq


def _decode_text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def read_abc(path: Path, collection: str, text: str | None = None) -> list[Piece]:
    """Read every tune of one ABC file.

    Args:
        path: the file (its name is used in piece ids).
        collection: collection name recorded on each piece.
        text: the file's text, if already read (tests pass strings).

    Returns:
        One :class:`Piece` per tune (``X:`` field); a file that cannot be
        tokenised gives one skipped piece.
    """
    from music21.abcFormat import ABCHandler, translate

    name = f"{collection}/{Path(path).name}"
    try:
        if text is None:
            text = _decode_text(Path(path).read_bytes())
        handler = ABCHandler()
        handler.process(text)
        tunes = handler.splitByReferenceNumber() if handler.definesReferenceNumbers() else {1: handler}
    except Exception as exc:  # music21 raises many kinds of errors on bad ABC
        return [Piece(name, collection, skip=f"unparsable ABC file ({type(exc).__name__})")]
    pieces = []
    with _plain_abc_translation():
        for number, tune in tunes.items():
            piece = Piece(f"{name}#{number}", collection)
            try:
                score = translate.abcToStreamScore(tune)
                piece.title = str(score.metadata.title or "") if score.metadata else ""
                piece.sequence = stream_to_sequence(score, piece.counts)
            except Exception as exc:
                piece.skip = f"unparsable ABC tune ({type(exc).__name__})"
            pieces.append(check_sequence(piece))
    return pieces


# What the MIDI reader (pretty_midi, under note-seq) did to a file's notes, as counted by read_midi.
DROPPED = "note: note-on the MIDI reader dropped"
REPAIRED = "note: note the MIDI reader re-paired with a later note-off (kept)"


def read_midi(data: bytes | Path, piece_id: str, collection: str, **fields) -> Piece:
    """Read one MIDI file (bytes or path) into a :class:`Piece`; never raises on bad MIDI.

    The notes read are compared with the file's own note-on and note-off events
    (:func:`reader_changes`): note-ons the reader dropped are counted as :data:`DROPPED`,
    notes it ended at another note-off than the file's as :data:`REPAIRED`.
    """
    piece = Piece(piece_id, collection, **fields)
    try:
        raw = Path(data).read_bytes() if isinstance(data, (str, Path)) else bytes(data)
    except OSError as exc:
        piece.skip = f"unreadable file ({type(exc).__name__})"
        return piece
    if not raw:
        piece.skip = "empty file"
        return piece
    try:
        midi, piece.sequence = _parse_midi(raw)
    except Exception as exc:  # pretty_midi/mido raise assorted errors on corrupt files
        piece.skip = f"corrupt MIDI ({type(exc).__name__})"
        return piece
    dropped, repaired = reader_changes(raw, midi.tick_to_time, piece.sequence)
    if dropped:
        piece.counts[DROPPED] += dropped
    if repaired:
        piece.counts[REPAIRED] += repaired
    return check_sequence(piece)


def _parse_midi(raw: bytes):
    """pretty_midi's reading of MIDI bytes (kept for its tick → seconds map) and the NoteSequence of it.

    Raises:
        note_seq.midi_io.MIDIConversionError: pretty_midi cannot read the bytes (as note-seq reports it).
    """
    import pretty_midi

    try:
        midi = pretty_midi.PrettyMIDI(io.BytesIO(raw))
    except Exception as exc:
        raise note_seq.midi_io.MIDIConversionError(f"MIDI decoding error {type(exc).__name__}: {exc}") from exc
    return midi, note_seq.midi_io.midi_to_note_sequence(midi)


def file_notes(raw: bytes) -> tuple[int, Counter]:
    """The note-ons (velocity > 0) in MIDI bytes, and the notes the file's events say they make.

    Each note-off (or note-on of velocity 0) ends the earliest open note-on of its pitch on its
    channel and track; within one tick note-ons come first, so a note-on and a note-off at the
    same tick make a note of length zero. A note-on that no note-off ends makes no note.

    Returns:
        ``(note-ons, Counter of (pitch, start tick, end tick))``; ``(0, Counter())`` for bytes
        mido cannot parse.
    """
    import mido

    try:
        midi = mido.MidiFile(file=io.BytesIO(raw))
    except Exception:  # the reader already parsed it; a second parser's quirks must not skip the piece
        return 0, Counter()
    ons, notes = 0, Counter()
    for track in midi.tracks:
        open_notes: dict[tuple[int, int], deque] = defaultdict(deque)
        timed = zip(itertools.accumulate(m.time for m in track), track)
        for tick, group in itertools.groupby(timed, key=lambda pair: pair[0]):
            events = [m for _, m in group if m.type in ("note_on", "note_off")]
            for m in events:
                if m.type == "note_on" and m.velocity > 0:
                    open_notes[(m.channel, m.note)].append(tick)
                    ons += 1
            for m in events:
                if (m.type == "note_off" or m.velocity == 0) and open_notes[(m.channel, m.note)]:
                    notes[(m.note, open_notes[(m.channel, m.note)].popleft(), tick)] += 1
    return ons, notes


def reader_changes(raw: bytes, tick_to_time, sequence: music_pb2.NoteSequence) -> tuple[int, int]:
    """How many note-ons the MIDI reader dropped, and how many notes it re-paired.

    pretty_midi ends every open note of a pitch at its next note-off, except one that began at that
    very tick: a note of length zero written note-off first is stretched to the pitch's next
    note-off (re-paired), one written note-on first is dropped. The notes read are compared with
    :func:`file_notes`: a note read that the file's events do not make was re-paired, and the
    note-ons left over were dropped.

    Args:
        raw: the MIDI bytes.
        tick_to_time: the reader's tick → seconds map (``PrettyMIDI.tick_to_time``).
        sequence: the notes read.

    Returns:
        ``(dropped, re-paired)``.
    """
    ons, intended = file_notes(raw)
    seconds: Counter = Counter()
    try:
        for (pitch, start, end), count in intended.items():
            seconds[(pitch, tick_to_time(start), tick_to_time(end))] += count
    except (IndexError, ValueError):  # a tick the reader never mapped: compare nothing
        return 0, 0
    read = Counter((n.pitch, n.start_time, n.end_time) for n in sequence.notes)
    same = sum((read & seconds).values())
    repaired = sum((read - seconds).values())
    return max(0, ons - same - repaired), repaired


def check_sequence(piece: Piece) -> Piece:
    """Drop zero-length notes (counted) and mark pieces with no usable notes as skipped."""
    seq = piece.sequence
    if seq is None:
        return piece
    keep = [n for n in seq.notes if n.end_time > n.start_time]
    if len(keep) != len(seq.notes):
        piece.counts["note: zero-length note dropped"] += len(seq.notes) - len(keep)
        del seq.notes[:]
        seq.notes.extend(keep)
    if not seq.notes:
        piece.skip, piece.sequence = "no notes", None
    elif all(n.is_drum for n in seq.notes):
        piece.skip, piece.sequence = "drums only", None
    return piece


def midi_folder_files(path: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The MIDI files at ``path`` (a folder, searched recursively, or one MIDI file), and what was ignored.

    Returns:
        ``(files, ignored)``: the regular ``.mid``/``.midi`` files, sorted, and
        ``(path, reason)`` for every other entry: ``not MIDI`` (another file),
        ``broken link``, ``a folder named like a MIDI file``, ``not a regular file``.

    Raises:
        FileNotFoundError: ``path`` does not exist, or is a file that is not MIDI.
        ValueError: ``path`` is neither a regular file nor a folder (a device, a FIFO).
    """
    path = Path(path)
    kind = what_is(path)
    if kind == REGULAR_FILE:
        if path.suffix.lower() not in C.MIDI_SUFFIXES:
            raise FileNotFoundError(f"not a MIDI file (.mid or .midi): {path}")
        return [path], []
    if kind == NOTHING:
        raise FileNotFoundError(f"MIDI file or folder not found: {path}")
    if kind != FOLDER:
        raise ValueError(f"not a regular file or a folder ({kind}): {path}")
    files, ignored = [], []
    for entry in sorted(path.rglob("*")):
        is_midi = entry.suffix.lower() in C.MIDI_SUFFIXES
        if entry.is_symlink() and not entry.exists():
            ignored.append((entry, "broken link"))
        elif entry.is_dir():
            if is_midi:
                ignored.append((entry, "a folder named like a MIDI file"))
        elif not is_midi:
            ignored.append((entry, "not MIDI"))
        elif entry.is_file():
            files.append(entry)
        else:
            ignored.append((entry, "not a regular file"))
    return files, ignored
