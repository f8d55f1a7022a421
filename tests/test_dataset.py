"""The prepared corpus: parallel preparation, skips counted, cache, and the split by piece."""

from __future__ import annotations

import dataclasses
from collections import Counter

import numpy as np
import pytest

from helpers import A_MINOR, C_MAJOR, maestro_config, write_midi
from melodyreg.config import data_config
from melodyreg.data import dataset, sources


def encoded_scale(pitches, repeats: int = 4) -> list[int]:
    """Class indices of back-to-back quarter notes already in C and in range: pitch p → p - 46."""
    return [c for p in list(pitches) * repeats for c in (p - 48 + 2, 0, 0, 0)]


# ---------------------------------------------------------------------------
# prepare on the MAESTRO fixture
# ---------------------------------------------------------------------------


def test_prepare_maestro_keeps_good_melodies_and_counts_bad_files(maestro_corpus):
    corpus = maestro_corpus
    assert corpus.pieces == [
        "2004/alpha-sonata-1.midi",
        "2004/alpha-sonata-2.midi",
        "2004/beta-etude.midi",
        "2004/gamma-waltz.midi",
        "2004/delta-broken.midi",
        "2004/epsilon-lost.midi",
    ]
    # C major, D major (moved to C) and G major (moved to C) give the same melody; A minor stays
    c_major, a_minor = encoded_scale(C_MAJOR), encoded_scale(A_MINOR)
    assert [m.tolist() for m in corpus.melodies] == [c_major, c_major, a_minor, c_major]
    assert all(m.dtype == np.int8 for m in corpus.melodies)
    assert corpus.melody_piece.tolist() == [0, 1, 2, 3]
    assert corpus.report.counts == Counter(
        {"piece: corrupt MIDI (MIDIConversionError)": 1, "piece: missing MIDI file (KeyError)": 1}
    )
    assert corpus.groups == [
        "Alpha / Sonata",
        "Alpha / Sonata",
        "Beta / Etude",
        "Gamma / Waltz",
        "Delta / Broken",
        "Epsilon / Lost",
    ]
    assert corpus.titles == corpus.groups
    assert corpus.official_splits == ["train", "train", "validation", "test", "train", "train"]
    assert corpus.collections == ["maestro"] * 6
    assert corpus.num_steps == 4 * 128
    assert corpus.summary() == {
        "pieces read": 6,
        "pieces skipped": 2,
        "files ignored": 0,
        "pieces with melodies": 4,
        "melodies": 4,
        "steps": 512,
    }


def test_prepare_maestro_folder_gives_the_same_corpus(maestro, maestro_corpus, tmp_path):
    folder = dataset.prepare(maestro_config(maestro.folder), cache_dir=tmp_path / "cache2", workers=1, progress=False)
    assert folder.pieces == maestro_corpus.pieces
    assert [m.tolist() for m in folder.melodies] == [m.tolist() for m in maestro_corpus.melodies]
    # the folder reports the missing file as the filesystem's error, the zip as a missing member
    assert folder.report.counts == Counter(
        {"piece: corrupt MIDI (MIDIConversionError)": 1, "piece: missing MIDI file (FileNotFoundError)": 1}
    )


def test_prepare_midi_folder(tmp_path):
    folder = tmp_path / "songs"
    write_midi(folder / "long.mid", [(p, 4 * i, 4 * i + 4) for i, p in enumerate(list(C_MAJOR) * 4)])
    write_midi(folder / "sub" / "short.mid", [(60, 0, 4), (62, 4, 8)])
    (folder / "empty.mid").write_bytes(b"")
    config = data_config("poster", source="midi", path=str(folder))
    corpus = dataset.prepare(config, cache_dir=None, workers=1, progress=False)
    assert corpus.pieces == ["songs/empty.mid", "songs/long.mid", "songs/sub/short.mid"]
    assert corpus.collections == ["songs"] * 3
    assert [m.tolist() for m in corpus.melodies] == [encoded_scale(C_MAJOR)]
    assert corpus.melody_piece.tolist() == [1]
    assert corpus.report.counts == Counter(
        {"piece: empty file": 1, "melody: shorter than min_bars": 1, "piece: no melody survived extraction": 1}
    )
    assert corpus.skipped_table().values.tolist() == [
        ["songs/empty.mid", "piece", "empty file"],
        ["songs/sub/short.mid", "piece", "no melody survived extraction"],
    ]
    assert not (tmp_path / "cache").exists()


def test_a_piece_whose_notes_the_midi_reader_changed_is_named_and_the_name_survives_the_cache(tmp_path):
    folder = tmp_path / "songs"
    write_midi(folder / "long.mid", [(p, 4 * i, 4 * i + 4) for i, p in enumerate(list(C_MAJOR) * 4)])
    write_midi(folder / "zero.mid", [(60 + i % 8, 4 * i, 4 * i) for i in range(64)])  # 64 notes of length zero
    config = data_config("poster", source="midi", path=str(folder))
    corpus = dataset.prepare(config, cache_dir=tmp_path / "cache", workers=1, progress=False)
    assert corpus.pieces == ["songs/long.mid", "songs/zero.mid"] and set(corpus.melody_piece.tolist()) == {0, 1}
    expected = [["songs/zero.mid", "the MIDI reader changed its notes: 8 note-ons dropped, 56 notes re-paired"]]
    assert corpus.changed_table().values.tolist() == expected
    assert corpus.report.counts[sources.REPAIRED] == 56 and corpus.report.counts[sources.DROPPED] == 8
    assert corpus.skipped_table().empty  # changed, not skipped
    again = dataset.prepare(config, cache_dir=tmp_path / "cache", workers=1, progress=False)
    assert again.changed_table().values.tolist() == expected


def test_other_files_in_a_midi_folder_are_named_and_the_names_survive_the_cache(tmp_path):
    folder = tmp_path / "songs"
    write_midi(folder / "long.mid", [(p, 4 * i, 4 * i + 4) for i, p in enumerate(list(C_MAJOR) * 4)])
    (folder / "readme.txt").write_text("hello")
    (folder / "x.mid").mkdir()
    (folder / "gone.mid").symlink_to(folder / "nowhere.mid")
    config = data_config("poster", source="midi", path=str(folder))
    corpus = dataset.prepare(config, cache_dir=tmp_path / "cache", workers=1, progress=False)
    assert corpus.pieces == ["songs/long.mid"]  # ignored entries are not pieces
    assert corpus.summary()["files ignored"] == 3 and corpus.summary()["pieces skipped"] == 0
    expected = [
        ["songs/gone.mid", "file", "ignored: broken link"],
        ["songs/readme.txt", "file", "ignored: not MIDI"],
        ["songs/x.mid", "file", "ignored: a folder named like a MIDI file"],
    ]
    assert sorted(corpus.skipped_table().values.tolist()) == expected
    again = dataset.prepare(config, cache_dir=tmp_path / "cache", workers=1, progress=False)
    assert sorted(again.skipped_table().values.tolist()) == expected
    # one file is a corpus of one
    single = dataset.prepare(
        data_config("poster", source="midi", path=str(folder / "long.mid")), cache_dir=None, workers=1, progress=False
    )
    assert single.pieces == ["songs/long.mid"] and len(single.melodies) == 1


def test_list_jobs_for_an_empty_midi_folder(tmp_path):
    (tmp_path / "nothing").mkdir()
    with pytest.raises(FileNotFoundError, match="no .mid or .midi files under"):
        dataset.list_jobs(data_config("poster", source="midi", path=str(tmp_path / "nothing")))


def test_list_jobs_for_maestro_and_folk(maestro):
    jobs = dataset.list_jobs(maestro_config(maestro.zip))
    assert [j.member for j in jobs][:2] == ["2004/alpha-sonata-1.midi", "2004/alpha-sonata-2.midi"]
    assert {(j.kind, j.collection, j.path) for j in jobs} == {("maestro", "maestro", str(maestro.zip))}
    folk = dataset.list_jobs(data_config("smoke"))
    assert [(j.kind, j.collection) for j in folk] == [("abc", "miscFolk")] * 2
    assert [j.path.rsplit("/", 1)[1] for j in folk] == ["americanfifeopus.abc", "northumbrianminstrelsyopus.abc"]
    assert all(j.size > 20_000 for j in folk)


def test_run_job_turns_reader_errors_into_counted_skips(monkeypatch):
    job = dataset.Job("midi", "/somewhere/x.mid", "mine")

    def explode(_job):
        raise RuntimeError("reader bug")

    monkeypatch.setattr(dataset, "_read_job", explode)
    (record,) = dataset.run_job(job, data_config("smoke"))
    assert record["skip"] == "file: reader error (RuntimeError)"
    assert record["id"] == "/somewhere/x.mid" and record["melodies"] == []


def test_run_job_turns_extraction_errors_into_counted_skips(monkeypatch, tmp_path):
    path = write_midi(tmp_path / "ok.mid", [(60, 0, 4)])

    def explode(*_args):
        raise ZeroDivisionError

    monkeypatch.setattr(dataset, "piece_melodies", explode)
    (record,) = dataset.run_job(dataset.Job("midi", str(path), "mine"), data_config("smoke"))
    assert record["skip"] == "piece: extraction error (ZeroDivisionError)"
    assert record["counts"] == {}


# ---------------------------------------------------------------------------
# Cache
# ---------------------------------------------------------------------------


def test_cache_key_changes_with_settings_but_not_with_the_split(maestro):
    config = maestro_config(maestro.zip)
    key = dataset.cache_key(config)
    assert len(key) == 16 and key == dataset.cache_key(maestro_config(maestro.zip))
    assert dataset.cache_key(dataclasses.replace(config, test_fraction=0.3)) == key
    assert dataset.cache_key(dataclasses.replace(config, maestro_split="official")) == key
    assert dataset.cache_key(dataclasses.replace(config, min_bars=6)) != key
    assert dataset.cache_key(dataclasses.replace(config, transpose_to_key=None)) != key
    assert dataset.cache_key(maestro_config(maestro.folder)) != key


def test_cache_key_changes_when_an_input_file_changes(maestro):
    config = maestro_config(maestro.folder)
    before = dataset.cache_key(config)
    (maestro.folder / "2004" / "alpha-sonata-1.midi").write_bytes(b"different and longer content")
    assert dataset.cache_key(config) != before


def test_prepare_saves_and_reloads_the_cache(maestro, maestro_corpus, tmp_path, monkeypatch):
    config = maestro_config(maestro.zip)
    folder = tmp_path / "cache" / dataset.cache_key(config)
    assert sorted(p.name for p in folder.iterdir()) == ["corpus.json", "melodies.npz"]
    monkeypatch.setattr(dataset, "list_jobs", lambda _config: pytest.fail("the cache was not used"))
    again = dataset.prepare(
        dataclasses.replace(config, test_fraction=0.5), cache_dir=tmp_path / "cache", progress=False
    )
    assert again.pieces == maestro_corpus.pieces
    assert [m.tolist() for m in again.melodies] == [m.tolist() for m in maestro_corpus.melodies]
    assert again.melody_piece.tolist() == maestro_corpus.melody_piece.tolist()
    assert again.report.counts == maestro_corpus.report.counts
    assert (again.groups, again.official_splits) == (maestro_corpus.groups, maestro_corpus.official_splits)
    assert again.config.test_fraction == 0.5  # the caller's config, not the cached one


@pytest.mark.slow
def test_prepare_miscfolk_in_parallel_then_from_the_cache(tmp_path, monkeypatch):
    """The one real-collection test: two worker processes, then the cache."""
    config = data_config("smoke")
    cache = tmp_path / "cache"
    first = dataset.prepare(config, cache_dir=cache, workers=2, progress=False)
    assert [p.name for p in cache.iterdir()] == [dataset.cache_key(config)]
    assert sorted(p.name for p in (cache / dataset.cache_key(config)).iterdir()) == ["corpus.json", "melodies.npz"]
    assert len(first.pieces) == 185  # 56 + 129 tunes
    assert first.pieces[0] == "miscFolk/americanfifeopus.abc#1"
    assert first.pieces[56].startswith("miscFolk/northumbrianminstrelsyopus.abc#")
    assert len(first.melodies) >= 150
    assert all(m.dtype == np.int8 and m.min() >= 0 and m.max() < 38 for m in first.melodies)
    lengths = [len(m) for m in first.melodies]
    assert min(lengths) >= 7 * 6  # 7 bars of the shortest meter in the files (3/8 = 6 steps)
    assert max(lengths) == 512  # max_steps; the truncation is counted as kept
    assert first.report.counts["melody: truncated to max_steps (kept)"] == sum(n == 512 for n in lengths)
    # the pool gives what one process gives, file by file
    fife = dataset.run_job(dataset.list_jobs(config)[0], config)
    fife_melodies = [m.tolist() for record in fife for m in record["melodies"]]
    in_first = [m.tolist() for m, piece in zip(first.melodies, first.melody_piece) if piece < 56]
    assert fife_melodies == in_first

    monkeypatch.setattr(dataset, "list_jobs", lambda _config: pytest.fail("the cache was not used"))
    second = dataset.prepare(config, cache_dir=cache, workers=2, progress=False)
    assert second.pieces == first.pieces
    assert [m.tolist() for m in second.melodies] == [m.tolist() for m in first.melodies]
    assert second.melody_piece.tolist() == first.melody_piece.tolist()
    assert second.report.counts == first.report.counts
    assert second.titles == first.titles


# ---------------------------------------------------------------------------
# Report and tables
# ---------------------------------------------------------------------------


def test_report_table_orders_stages_then_counts():
    report = dataset.Report(
        Counter(
            {
                "melody: too short": 2,
                "other: odd": 5,
                "file: reader error (X)": 1,
                "piece: empty file": 1,
                "piece: no notes": 3,
                "note: grace note dropped": 4,
                "melody: truncated to max_steps (kept)": 6,
            }
        )
    )
    table = report.table()
    assert list(table.columns) == ["stage", "reason", "count"]
    assert table.values.tolist() == [
        ["file", "reader error (X)", 1],
        ["piece", "no notes", 3],
        ["piece", "empty file", 1],
        ["note", "grace note dropped", 4],
        ["melody", "truncated to max_steps (kept)", 6],
        ["melody", "too short", 2],
        ["other", "odd", 5],
    ]
    assert report.skipped("piece") == 4
    assert report.skipped("melody") == 2  # the truncation kept its melodies
    report.add({"piece: no notes": 1})
    assert report.skipped("piece") == 5
