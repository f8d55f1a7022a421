"""Every value a user gives, checked before any work starts (melodyreg.options)."""

from __future__ import annotations

import os
import re

import pytest

from helpers import build_maestro, scale_notes, write_midi
from melodyreg import config, options
from melodyreg import constants as C
from melodyreg.report import build
from melodyreg.typecheck import ConfigError

C_MAJOR = (60, 62, 64, 65, 67, 69, 71, 72)


def test_every_chapter_parameter_has_a_spec():
    # a parameter added to a chapter without one is checked only against its default's type
    assert set(build.chapter_parameters()) <= set(options.SPECS)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("seed", 0, 0),
        ("seed", C.SEED_MAX, C.SEED_MAX),
        ("num_seeds", None, None),
        ("num_seeds", C.MAX_SEEDS, C.MAX_SEEDS),
        ("temperature", 1, 1.0),
        ("temperature", C.TEMPERATURE_MIN, C.TEMPERATURE_MIN),
        ("melody_steps", 2, 2),
        ("primer", [60, -1, -2], (60, -1, -2)),
        ("primer", 60, None),
        ("scheduler", "tcp://127.0.0.1:8786", "tcp://127.0.0.1:8786"),
        ("scheduler", "localhost:8786", "localhost:8786"),
        ("scheduler", "tls://[::1]:8786", "tls://[::1]:8786"),
        ("profile", "smoke", "smoke"),
    ],
)
def test_values_in_range_pass_normalised(name, value, expected):
    if expected is None and value is not None:  # a bare pitch is not a sequence of events
        with pytest.raises(ConfigError):
            options.check_value(name, value)
        return
    checked = options.check_value(name, value)
    assert checked == expected and type(checked) is type(expected)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("seed", -1, "-p seed must be an integer from 0 to 4294967295, got -1"),
        ("seed", 2**32, "-p seed must be an integer from 0 to 4294967295, got 4294967296"),
        ("seed", True, "-p seed must be an integer from 0 to 4294967295, got True"),
        ("seed", "3", "-p seed must be an integer from 0 to 4294967295, got '3'"),
        ("num_seeds", 0, "-p num_seeds must be an integer from 1 to 100 or None, got 0"),
        ("temperature", float("nan"), "-p temperature must be a finite number from 0.01 to 100, got nan"),
        ("temperature", 10**400, "-p temperature must be a finite number from 0.01 to 100, got 1000"),
        ("temperature", 1e-300, "-p temperature must be a finite number from 0.01 to 100, got 1e-300"),
        ("tsne_states", 9, "-p tsne_states must be an integer from 10 to 100000 or None, got 9"),
        ("melody_steps", 2049, "-p melody_steps must be an integer from 2 to 2048, got 2049"),
        ("primer", [60, 84], "-p primer must be melody events (pitches 48 to 83, -1 note-off, -2 no event), got [60"),
        ("primer", [], "-p primer must be melody events"),
        ("profile", "huge", "-p profile must be one of 'smoke', 'poster', 'full', got 'huge'"),
        ("scheduler", "bogus", "-p scheduler must be a Dask scheduler address such as tcp://host:8786 or None"),
        ("scheduler", "tcp://host", "got 'tcp://host'"),
        ("scheduler", "tcp://host:70000", "got 'tcp://host:70000'"),
        ("scheduler", "http://host:8786", "got 'http://host:8786'"),
        ("scheduler", "tcp://host:8786/path", "got 'tcp://host:8786/path'"),
        ("scheduler", "tcp://ho st:8786", "got 'tcp://ho st:8786'"),
        ("scheduler", 8786, "got 8786"),
        ("out", "", "-p out must be a folder (existing, or a name one can be made at), got ''"),
    ],
)
def test_values_out_of_range_are_refused_with_the_option_and_the_value(name, value, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        options.check_value(name, value, f"-p {name}")


def test_a_command_line_option_is_never_offered_none():
    # on the command line an optional value is left out, not given as None
    with pytest.raises(ConfigError, match=r"^--workers must be an integer from 1 to 2147483647, got 0$"):
        options.check_value("workers", 0, "--workers")


def test_a_long_value_is_shortened_in_the_message():
    with pytest.raises(ConfigError, match=r"got '9{99}\.\.\.9{99}' \(5,002 characters\)$"):
        options.check_value("seed", "9" * 5000, "--seed")


def test_folders_are_folders_or_names_one_can_be_made_at(tmp_path):
    (tmp_path / "file").write_text("x")
    assert options.check_value("out", str(tmp_path)) == str(tmp_path)
    assert options.check_value("out", str(tmp_path / "new" / "deeper")) == str(tmp_path / "new" / "deeper")
    with pytest.raises(ConfigError, match=r"^--out '.*/file' is a regular file, not a folder$"):
        options.check_value("out", str(tmp_path / "file"), "--out")
    with pytest.raises(ConfigError, match=r"^--out '.*/file/new' cannot be made: .*/file is a regular file$"):
        options.check_value("out", str(tmp_path / "file" / "new"), "--out")
    with pytest.raises(ConfigError, match=r"^--out '/dev/null' is a character device, not a folder$"):
        options.check_value("out", "/dev/null", "--out")


def label(name: str) -> str:
    return f"-p {name}"


def test_a_path_must_be_of_the_kind_its_source_reads(tmp_path):
    write_midi(tmp_path / "midi" / "tune.mid", scale_notes(C_MAJOR))
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.txt").write_text("not a tune")
    os.mkfifo(tmp_path / "pipe")
    release = build_maestro(tmp_path / "maestro")
    midi = {"profile": "smoke", "source": "midi"}
    assert options.check({**midi, "path": str(tmp_path / "midi")}).data.path == str(tmp_path / "midi")
    assert options.check({**midi, "path": str(tmp_path / "midi" / "tune.mid")}).data.source == "midi"
    for path in (release.zip, release.root):
        assert options.check({"profile": "smoke", "source": "maestro", "path": str(path)}).data.source == "maestro"
    refusals = [
        ({**midi, "path": str(tmp_path / "notes.txt")}, r"-p path '.*/notes.txt' is not a MIDI file \(.mid or .midi\)"),
        ({**midi, "path": str(tmp_path / "empty")}, r"-p path '.*/empty' is a folder with no .mid or .midi files"),
        ({**midi, "path": str(tmp_path / "pipe")}, r"-p path '.*/pipe' is a FIFO, not a regular file or a folder"),
        ({**midi, "path": "/dev/null"}, r"-p path '/dev/null' is a character device, not a regular file or a folder"),
        ({**midi, "path": str(tmp_path / "nowhere")}, r"-p path '.*/nowhere' does not exist"),
        (midi, r"-p source 'midi' reads a file or folder: give -p path too"),
        ({"profile": "smoke", "path": str(tmp_path / "midi")}, r"-p path '.*' is read only by the sources maestro"),
        ({"profile": "smoke", "source": "maestro", "path": str(tmp_path / "notes.txt")}, r"is not a zip archive"),
        ({"profile": "smoke", "source": "maestro", "path": str(tmp_path / "empty")}, r"holds no MAESTRO metadata CSV"),
        ({"profile": "smoke", "maestro_split": "official"}, r"-p maestro_split 'official' applies only to source"),
    ]
    for values, message in refusals:
        with pytest.raises(ConfigError, match=message):
            options.check(values, label=label)


def test_values_are_checked_together_and_make_the_configs():
    checked = options.check({"profile": "smoke", "seed": 5, "iterations": 7, "strategy": "dropout"})
    assert checked.experiment == config.experiment_config("smoke", "dropout", seed=5, iterations=7)
    assert checked.data == config.data_config("smoke")
    assert options.check({"profile": "smoke"}).experiment is None
    assert options.check({"out": "x"}).data is None
    with pytest.raises(ConfigError, match=r"^-p seed 4294967292 with 5 seeds reaches seed 4294967297, beyond 42949"):
        options.check({"profile": "full", "seed": C.SEED_MAX - 3}, label=label)
    with pytest.raises(ConfigError, match=r"^-p primer has 2 events, so -p steps must be more than that, got 2$"):
        options.check({"primer": [60, 62], "steps": 2}, label=label)


def test_settings_are_named_as_the_user_wrote_them():
    def cli_label(name: str) -> str:
        return f"-s {name}" if name in config.SETTINGS else "--" + name

    def refused(settings: dict) -> str:
        with pytest.raises(ConfigError) as error:
            options.check({"profile": "smoke", "seed": 1}, settings=settings, label=cli_label)
        return str(error.value)

    assert refused({"ss_k": float("inf")}) == "-s ss_k must be a finite number, got inf"
    assert refused({"iterations": 0}) == "-s iterations must be at least 1, got 0"
    assert refused({"num_classes": 5}) == "-s num_classes must be 38, the classes of the data, got 5"
    assert refused({"name": "dropout"}) == "name='dropout' is not a setting: choose the strategy with --strategy"
    assert refused({"nope": 1}).startswith("unknown setting 'nope'")
    settings = {"iterations": None, "ss_k": 300}  # None keeps the profile's value
    assert options.check({"profile": "smoke", "seed": 1}, settings=settings).experiment.train.iterations == 60
