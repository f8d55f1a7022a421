"""The command line: help, parameters, and prepare → train → generate end to end on a tiny MIDI folder."""

from __future__ import annotations

import functools

import pytest

from helpers import scale_notes, write_midi
from melodyreg import cli
from melodyreg.data import dataset

C_MAJOR = (60, 62, 64, 65, 67, 69, 71, 72)
A_MINOR = (57, 60, 64, 69, 67, 65, 64, 62)


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for command in ("prepare", "train", "generate", "book", "download-maestro"):
        assert command in out


def test_parameters_are_literals_where_they_parse_else_strings():
    assert cli._parse_parameters(["a=1", "b=x", "c=[1, 2]", "d=None", "e=1.5", "f="]) == {
        "a": 1,
        "b": "x",
        "c": [1, 2],
        "d": None,
        "e": 1.5,
        "f": "",
    }
    with pytest.raises(cli.UsageError, match="key=value"):
        cli._parse_parameters(["iterations"])


def test_book_passes_profile_parameters_and_chapters_on(monkeypatch):
    from melodyreg import console
    from melodyreg.report import build

    monkeypatch.setenv(console.TF_LOG_LEVEL, "3")  # --verbose below changes it; restored afterwards

    calls = []
    monkeypatch.setattr(build, "build", lambda *args, **kwargs: calls.append((args, kwargs)))
    cli.main(["book", "--profile", "smoke", "-p", "seed=3", "--only", "01_data", "--lenient"])
    assert calls == [(("smoke", {"seed": 3}), {"only": ["01_data"], "strict": False, "verbose": False})]
    # checked and normalised; a `profile` parameter that agrees with --profile is the same request
    cli.main(["book", "--profile", "smoke", "-p", "profile=smoke", "-p", "temperature=2"])
    assert calls[-1][0] == ("smoke", {"temperature": 2.0}) and isinstance(calls[-1][0][1]["temperature"], float)
    cli.main(["book", "--verbose"])
    assert calls[-1][1]["verbose"] is True


def test_a_failed_chapter_ends_the_book_with_one_line(monkeypatch, capsys):
    from melodyreg import console
    from melodyreg.report import build

    monkeypatch.setenv(console.TF_LOG_LEVEL, "3")

    def fail(*_, **__):
        raise build.ChapterError("06_evaluation failed in cell [7]: KeyError: 'x'\n(the notebook with the error: f)")

    monkeypatch.setattr(build, "build", fail)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["book", "--profile", "smoke"])
    assert exit_.value.code == 1
    assert (
        capsys.readouterr().err
        == "error: 06_evaluation failed in cell [7]: KeyError: 'x' (the notebook with the error: f)\n"
    )


def test_tensorflow_is_quiet_unless_verbose(monkeypatch):
    from melodyreg import console
    from melodyreg.report import build

    monkeypatch.setattr(build, "build", lambda *args, **kwargs: None)
    monkeypatch.setenv(console.TF_LOG_LEVEL, "")  # registers the variable's state: no level leaks to later tests
    monkeypatch.delenv(console.TF_LOG_LEVEL)
    cli.main(["book"])
    assert console.os.environ[console.TF_LOG_LEVEL] == "3"
    cli.main(["--verbose", "book"])
    assert console.os.environ[console.TF_LOG_LEVEL] == "0"


@pytest.fixture
def tiny_midi(tmp_path, monkeypatch):
    """Three one-melody MIDI files; corpora and runs go to ``tmp_path``, never to the workspace."""
    for i, pitches in enumerate((C_MAJOR, A_MINOR, C_MAJOR[::-1])):
        write_midi(tmp_path / "midi" / f"tune{i}.mid", scale_notes(pitches))
    (tmp_path / "midi" / "notes.txt").write_text("not a tune")
    monkeypatch.setattr(dataset, "prepare", functools.partial(dataset.prepare, cache_dir=None))
    return tmp_path


def test_prepare_train_generate_on_a_midi_folder(tiny_midi, capsys):
    where = ["--profile", "smoke", "--source", "midi", "--path", str(tiny_midi / "midi"), "--workers", "1"]
    cli.main(["prepare", *where])
    out = capsys.readouterr().out
    assert "melodies: 3" in out.replace(",", "") and "pieces read: 3" in out
    assert "skipped or ignored files and pieces (1):" in out and "midi/notes.txt" in out and "not MIDI" in out
    assert "DataFrame" not in out and "Columns" not in out

    where_runs = [*where, "--runs-dir", str(tiny_midi / "runs")]
    with pytest.raises(SystemExit):  # never trains silently
        cli.main(["generate", *where_runs, "--strategy", "dropout", "-s", "iterations=3", "--out", str(tiny_midi)])
    assert "train it first" in capsys.readouterr().err and not (tiny_midi / "runs").exists()

    cli.main(["train", *where_runs, "--strategy", "dropout", "-s", "iterations=3"])
    out = capsys.readouterr().out
    assert "run folder:" in out and str(tiny_midi / "runs") in out
    (folder,) = [p for p in (tiny_midi / "runs").iterdir() if not p.name.startswith(".")]  # not .locks/
    assert folder.name.startswith("dropout-") and (folder / "done.json").is_file()

    out_dir = tiny_midi / "generated"
    sampling = ["--num", "2", "--steps", "16", "--out", str(out_dir)]
    cli.main(["generate", *where_runs, "--strategy", "dropout", "-s", "iterations=3", *sampling])
    lines = capsys.readouterr().out.strip().splitlines()
    assert sorted(p.name for p in out_dir.iterdir()) == ["dropout-01.mid", "dropout-02.mid"]
    assert len(lines) == 2 and all("log-likelihood" in line for line in lines)
    assert [p for p in (tiny_midi / "runs").iterdir() if not p.name.startswith(".")] == [folder]  # reused

    # the same settings on other melodies: the run's key names its melodies, so it is not used
    write_midi(tiny_midi / "midi" / "tune9.mid", scale_notes(A_MINOR[::-1]))
    with pytest.raises(SystemExit) as exit_:
        cli.main(["generate", *where_runs, "--strategy", "dropout", "-s", "iterations=3", *sampling])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.strip().splitlines()[-1].startswith(
        "error: the finished dropout runs for these settings trained on other melodies"
    )
    (tiny_midi / "midi" / "tune9.mid").unlink()

    # a damaged run: generate says so in one line, leaves the run to `train`, and says nothing of retraining
    weights = folder / "weights.npz"
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(SystemExit) as exit_:
        cli.main(["generate", *where_runs, "--strategy", "dropout", "-s", "iterations=3", *sampling])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and len(err.strip().splitlines()) == 1 and "retraining" not in err
    assert err.startswith("error: the finished dropout run for these settings failed verification (weights.npz")
    assert "train it again: python -m melodyreg train --strategy dropout --profile smoke --seed 2017" in err
    assert f"--runs-dir {tiny_midi / 'runs'} -s iterations=3 (or add --train-if-missing)" in err
    assert (folder / "done.json").exists()  # not moved aside: the command that retrains it does that


def test_prepare_reports_nothing_left_out_in_words_and_names_changed_pieces(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(dataset, "prepare", functools.partial(dataset.prepare, cache_dir=None))
    write_midi(tmp_path / "midi" / "tune.mid", scale_notes(C_MAJOR, repeats=8))
    where = ["--source", "midi", "--path", str(tmp_path / "midi"), "--workers", "1"]
    cli.main(["prepare", *where])
    out = capsys.readouterr().out
    assert "nothing left out or repaired" in out and "DataFrame" not in out and "skipped or" not in out
    write_midi(tmp_path / "midi" / "zero.mid", [(60 + i % 8, 4 * i, 4 * i) for i in range(64)])  # length zero
    cli.main(["prepare", *where])
    out = capsys.readouterr().out
    assert "        56  note: note the MIDI reader re-paired with a later note-off (kept)" in out
    assert "pieces kept whose notes the MIDI reader changed (1):" in out
    assert "midi/zero.mid  (the MIDI reader changed its notes: 8 note-ons dropped, 56 notes re-paired)" in out
