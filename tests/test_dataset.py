"""The prepared corpus: parallel preparation, skips counted, cache, and the split by piece."""

from __future__ import annotations

import dataclasses
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from conftest import A_MINOR, C_MAJOR, write_midi
from melodyreg.config import data_config
from melodyreg.data import dataset


def encoded_scale(pitches, repeats: int = 4) -> list[int]:
    """Class indices of back-to-back quarter notes already in C and in range: pitch p → p - 46."""
    return [c for p in list(pitches) * repeats for c in (p - 48 + 2, 0, 0, 0)]


def maestro_config(path, **overrides):
    return data_config("poster", source="maestro", path=str(path), **overrides)


@pytest.fixture
def maestro_corpus(maestro, tmp_path):
    return dataset.prepare(maestro_config(maestro.zip), cache_dir=tmp_path / "cache", workers=1, progress=False)


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
# Split
# ---------------------------------------------------------------------------


def make_corpus(
    melody_groups,
    *,
    test_fraction=0.1,
    valid_fraction=0.1,
    collections=None,
    source="folk",
    splits=None,
    maestro_split="random",
    melodies=None,
):
    """A hand-built Corpus with one piece per distinct group and one melody per entry (distinct by default)."""
    names = list(dict.fromkeys(melody_groups))
    piece_of = {g: i for i, g in enumerate(names)}
    fractions = {"test_fraction": test_fraction, "valid_fraction": valid_fraction}
    if source == "maestro":
        config = data_config("poster", source="maestro", path="unused.zip", maestro_split=maestro_split, **fractions)
    else:
        config = data_config("smoke", **fractions)
    if melodies is None:  # melody i: two steps that no other melody of the corpus shares
        melodies = [np.asarray([2 + i % 36, 2 + i // 36, 0, 1], dtype=np.int8) for i in range(len(melody_groups))]
    return dataset.Corpus(
        melodies=melodies,
        melody_piece=np.asarray([piece_of[g] for g in melody_groups], dtype=np.int64),
        pieces=names,
        collections=collections or ["c"] * len(names),
        titles=names,
        groups=names,
        official_splits=splits or [""] * len(names),
        report=dataset.Report(),
        config=config,
    )


def sides(corpus, parts):
    groups = np.asarray(corpus.groups, dtype=object)[corpus.melody_piece]
    return tuple(set(groups[getattr(parts, side)].tolist()) for side in dataset.SIDES)


def test_random_split_keeps_two_performances_of_a_work_together(maestro_corpus):
    maestro_corpus = dataclasses.replace(
        maestro_corpus, config=dataclasses.replace(maestro_corpus.config, test_fraction=0.3, valid_fraction=0.3)
    )
    seen_alpha_held_out = False
    for seed in range(12):
        parts = dataset.split(maestro_corpus, seed)
        side_of = {int(i): side for side in dataset.SIDES for i in getattr(parts, side)}
        assert sorted(side_of) == [0, 1, 2, 3]
        assert side_of[0] == side_of[1]  # melodies 0 and 1: two performances of Alpha / Sonata
        assert [len(s) for s in sides(maestro_corpus, parts)] == [1, 1, 1]  # three works, one per side
        seen_alpha_held_out |= side_of[0] != "train"
    assert seen_alpha_held_out  # the pair does get held out for some seed, together


def test_random_split_is_deterministic_per_seed_and_varies_across_seeds():
    corpus = make_corpus([f"tune{i}" for i in range(20)], test_fraction=0.25)
    a, b = dataset.split(corpus, 7), dataset.split(corpus, 7)
    for side in dataset.SIDES:
        assert getattr(a, side).tolist() == getattr(b, side).tolist()
    held = {tuple(dataset.split(corpus, seed).test.tolist()) for seed in range(10)}
    assert len(held) > 1


@pytest.mark.parametrize(
    "n_groups, test, valid, n_test, n_valid",
    [(10, 0.3, 0.1, 3, 1), (20, 0.25, 0.2, 5, 3), (10, 0.01, 0.01, 1, 1), (3, 0.9, 0.9, 1, 1), (40, 0.1, 0.1, 4, 4)],
)
def test_random_split_holds_out_test_then_validation_fractions_of_groups(n_groups, test, valid, n_test, n_valid):
    # each group has 1 to 3 melodies; the fractions count groups, not melodies
    groups = [f"g{i}" for i in range(n_groups) for _ in range(1 + i % 3)]
    corpus = make_corpus(groups, test_fraction=test, valid_fraction=valid)
    parts = dataset.split(corpus, 0)
    train, held_valid, held_test = sides(corpus, parts)
    assert (len(held_test), len(held_valid)) == (n_test, n_valid)
    assert train.isdisjoint(held_valid) and train.isdisjoint(held_test) and held_valid.isdisjoint(held_test)
    assert len(train | held_valid | held_test) == n_groups
    assert sorted(parts.train.tolist() + parts.valid.tolist() + parts.test.tolist()) == list(range(len(groups)))
    assert parts.melodies(corpus, "test") == [corpus.melodies[i] for i in parts.test]


def test_tunes_written_down_twice_stay_on_one_side():
    # tunes a/b: the same melody in two collections; c/d: the same opening bars, different endings;
    # e/f/g: a chain (e = f by melody, f = g by opening); the rest are unrelated
    shared = np.arange(40, dtype=np.int8) % 30 + 2
    opening = np.r_[np.full(32, 5), np.arange(8) + 2].astype(np.int8)
    chain = np.r_[np.full(32, 9), np.arange(8) + 3].astype(np.int8)
    melodies = {
        "a": shared,
        "b": shared.copy(),
        "c": opening,
        "d": np.r_[opening[:32], np.full(8, 7)].astype(np.int8),
        "e": chain,
        "f": chain.copy(),
        "g": np.r_[chain[:32], np.full(12, 4)].astype(np.int8),
    }
    names = list(melodies) + [f"other{i}" for i in range(23)]
    own = [np.r_[[2 + i], np.full(39, 35)].astype(np.int8) for i in range(23)]  # distinct first events
    corpus = make_corpus(names, melodies=list(melodies.values()) + own)
    assert dataset.duplicate_groups(corpus) == {"a": "a", "b": "a", "c": "c", "d": "c", "e": "e", "f": "e", "g": "e"}
    for seed in range(20):
        parts = dataset.split(corpus, seed)
        assert (parts.duplicate_tunes, parts.duplicates) == (3, 4)
        side_of = {corpus.groups[corpus.melody_piece[i]]: s for s in dataset.SIDES for i in getattr(parts, s)}
        assert side_of["a"] == side_of["b"] and side_of["c"] == side_of["d"]
        assert side_of["e"] == side_of["f"] == side_of["g"]


def test_split_needs_three_tunes():
    with pytest.raises(ValueError, match="need melodies from at least 3 tunes to split three ways, found 2"):
        dataset.split(make_corpus(["only", "only", "other"]), 0)


def test_official_split_uses_the_csv_split_column(maestro, tmp_path):
    corpus = dataset.prepare(
        maestro_config(maestro.zip, maestro_split="official"), cache_dir=tmp_path / "c", workers=1, progress=False
    )
    parts = dataset.split(corpus, 0)
    assert parts.train.tolist() == [0, 1]  # both Alpha performances are `train`
    assert (parts.valid.tolist(), parts.test.tolist()) == ([2], [3])  # validation and test
    assert dataset.split(corpus, 99).test.tolist() == [3]  # the seed plays no part
    assert parts.duplicates == 0  # MAESTRO groups by composition, nothing is merged


def test_official_split_with_an_empty_side():
    corpus = make_corpus(["a", "b"], source="maestro", splits=["test", "validation"], maestro_split="official")
    with pytest.raises(ValueError, match="empty side in split: 0 training, 1 validation, 1 test melodies"):
        dataset.split(corpus, 0)


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


def test_collection_table_counts_and_totals():
    # pieces: a0 (2 melodies), a1 (1), b0 (1), b1 (none: a skipped piece), in collections a, a, b, b
    corpus = make_corpus(["a0", "a0", "a1", "b0"], collections=["a", "a", "b"])
    corpus.pieces.append("b1")
    corpus.collections.append("b")
    corpus.melodies[0] = np.zeros(10, dtype=np.int8)
    parts = dataset.Split(train=np.asarray([0, 1]), valid=np.asarray([3]), test=np.asarray([2]))
    table = dataset.collection_table(corpus, parts)
    expected = pd.DataFrame(
        [
            {
                "collection": "a",
                "pieces": 2,
                "pieces with melodies": 2,
                "melodies": 3,
                "steps": 18,
                "train melodies": 2,
                "valid melodies": 0,
                "test melodies": 1,
            },
            {
                "collection": "b",
                "pieces": 2,
                "pieces with melodies": 1,
                "melodies": 1,
                "steps": 4,
                "train melodies": 0,
                "valid melodies": 1,
                "test melodies": 0,
            },
            {
                "collection": "total",
                "pieces": 4,
                "pieces with melodies": 3,
                "melodies": 4,
                "steps": 22,
                "train melodies": 2,
                "valid melodies": 1,
                "test melodies": 1,
            },
        ]
    )
    assert table.to_dict("records") == expected.to_dict("records")
