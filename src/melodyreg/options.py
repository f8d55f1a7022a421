"""Every value a user gives, checked before any work starts: options, settings and the book's parameters.

The command line's options and ``-s`` settings (:mod:`melodyreg.cli`) and the book's ``-p``
parameters (:func:`melodyreg.report.build.check_request`) pass through :func:`check` before a
corpus is prepared, a kernel or a cluster started or a download begun. Each option or parameter
has a :class:`Spec` in :data:`SPECS`: its type, its range (the numbers are in
:mod:`melodyreg.constants`) and whether ``None`` (the profile's value) is allowed. :func:`check`
then checks what the values say together (a path of the kind its source reads, the last seed in
range, a primer shorter than the melody) and builds the data and experiment configs, whose own
checks run too. A refusal is one :class:`~melodyreg.typecheck.ConfigError` that names the option
as the user wrote it (``--seed``, ``-p seed``, ``-s iterations``) and the value.
"""

from __future__ import annotations

import urllib.parse
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from melodyreg import config, files, protocol
from melodyreg import constants as C
from melodyreg.typecheck import ConfigError, coerce, shown


@dataclass(frozen=True)
class Spec:
    """What one option or parameter accepts.

    Attributes:
        kind: ``int`` or ``float`` (within ``low`` and ``high``; a float must be finite),
            ``choice`` (one of ``choices``), ``path`` (an existing MIDI file or folder, or MAESTRO
            zip or folder, as the source reads; see :func:`check`), ``folder`` (a folder, or a
            name one can be made at), ``address`` (a Dask scheduler's, ``tcp://host:port``) or
            ``events`` (melody events: pitches of the model's range, ``-1`` note-off, ``-2`` no event).
        low, high: the range of an ``int`` or a ``float``, both ends included.
        choices: the values a ``choice`` takes.
        optional: ``None`` is allowed (the profile's value, or the default).
    """

    kind: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    optional: bool = False

    def describe(self, none: bool = True) -> str:
        """What the spec accepts, in words (``an integer from 1 to 100 or None``).

        Args:
            none: say that an optional value may be ``None`` (a command-line option cannot be given
                as ``None``: it is left out).
        """
        if self.kind == "int":
            text = f"an integer from {self.low} to {self.high}"
        elif self.kind == "float":
            text = f"a finite number from {self.low:g} to {self.high:g}"
        elif self.kind == "choice":
            text = "one of " + ", ".join(repr(c) for c in self.choices)
        else:
            text = {
                "path": "an existing file or folder",
                "folder": "a folder (existing, or a name one can be made at)",
                "address": "a Dask scheduler address such as tcp://host:8786",
                "events": f"melody events (pitches {C.MIN_PITCH} to {C.MAX_PITCH - 1}, -1 note-off, -2 no event)",
            }[self.kind]
        return text + (" or None" if self.optional and none else "")


_MELODIES = Spec("int", 1, C.MAX_MELODIES)
_MELODY_STEPS = Spec("int", 2, C.MAX_MELODY_STEPS)  # the primer's one event and at least one sampled

# Every option of the command line and every parameter of the book's chapters, by name (the CLI's
# `--num` and `--steps` are the chapters' `num_melodies` and `melody_steps`). The `-s` settings are
# the fields of the model, train and strategy configs (melodyreg.config.SETTINGS), checked there.
SPECS: dict[str, Spec] = {
    "profile": Spec("choice", choices=tuple(config.PROFILES)),
    "strategy": Spec("choice", choices=config.STRATEGIES),
    "source": Spec("choice", choices=config.SOURCES, optional=True),
    "path": Spec("path", optional=True),
    "maestro_split": Spec("choice", choices=config.MAESTRO_SPLITS, optional=True),
    "seed": Spec("int", 0, C.SEED_MAX),
    "num_seeds": Spec("int", 1, C.MAX_SEEDS, optional=True),
    "workers": Spec("int", 1, C.MAX_COUNT, optional=True),
    "scheduler": Spec("address", optional=True),
    "iterations": Spec("int", 1, C.MAX_COUNT, optional=True),
    "num_melodies": _MELODIES,
    "num": _MELODIES,
    "melody_steps": _MELODY_STEPS,
    "steps": _MELODY_STEPS,
    "primer": Spec("events"),
    "temperature": Spec("float", C.TEMPERATURE_MIN, C.TEMPERATURE_MAX),
    "tsne_states": Spec("int", C.TSNE_STATES_MIN, C.TSNE_STATES_MAX, optional=True),
    "runs_dir": Spec("folder", optional=True),
    "out": Spec("folder"),
    "dest": Spec("folder"),
}

SCHEDULER_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")  # Dask's protocols a scheduler listens on
MIDI_SOURCES = ("maestro", "midi")  # the sources read from a path


def _refuse(label: str, value: Any, spec: Spec) -> ConfigError:
    return ConfigError(f"{label} must be {spec.describe(none=not label.startswith('--'))}, got {shown(value)}")


def _number(label: str, value: Any, spec: Spec) -> int | float:
    try:
        number = coerce(label, value, int if spec.kind == "int" else float)
    except ConfigError:
        raise _refuse(label, value, spec) from None
    if not spec.low <= number <= spec.high:
        raise _refuse(label, value, spec)
    return number


def _folder(label: str, value: Any, spec: Spec) -> str:
    if not isinstance(value, str | Path) or not str(value):
        raise _refuse(label, value, spec)
    kind = files.what_is(value)
    if kind == files.FOLDER:
        return str(value)
    if kind != files.NOTHING:
        raise ConfigError(f"{label} {shown(str(value))} is {kind}, not a folder")
    parent = Path(value).absolute().parent
    while files.what_is(parent) == files.NOTHING:
        parent = parent.parent
    if files.what_is(parent) != files.FOLDER:
        raise ConfigError(f"{label} {shown(str(value))} cannot be made: {parent} is {files.what_is(parent)}")
    return str(value)


def _address(label: str, value: Any, spec: Spec) -> str:
    if not isinstance(value, str):
        raise _refuse(label, value, spec)
    try:
        parts = urllib.parse.urlsplit(value if "://" in value else f"tcp://{value}")
        port = parts.port
    except ValueError:  # a port that is not a number from 0 to 65535, or a malformed host
        raise _refuse(label, value, spec) from None
    extra = parts.path or parts.query or parts.fragment or parts.username or any(c.isspace() for c in value)
    if parts.scheme not in SCHEDULER_SCHEMES or not parts.hostname or not port or extra:
        raise _refuse(label, value, spec)
    return value


def _events(label: str, value: Any, spec: Spec) -> tuple[int, ...]:
    try:
        events = coerce(label, value, tuple[int, ...])
    except ConfigError:
        raise _refuse(label, value, spec) from None
    special = (C.MELODY_NOTE_OFF, C.MELODY_NO_EVENT)
    if not events or any(e not in special and not C.MIN_PITCH <= e < C.MAX_PITCH for e in events):
        raise _refuse(label, value, spec)
    return events


def check_value(name: str, value: Any, label: str | None = None) -> Any:
    """One option or parameter checked against its :class:`Spec`, normalised (ints as floats for numbers).

    Args:
        name: the key of :data:`SPECS`.
        label: how the user wrote the option, for the message (default: ``name``).

    Raises:
        ConfigError: the value has the wrong type or lies out of range; the message names
            ``label`` and the value.
    """
    spec, label = SPECS[name], label or name
    if value is None and spec.optional:
        return None
    if spec.kind in ("int", "float"):
        return _number(label, value, spec)
    if spec.kind == "choice":
        if not isinstance(value, str) or value not in spec.choices:
            raise _refuse(label, value, spec)
        return value
    if spec.kind == "path":  # its kind is checked with its source, in `check`
        if not isinstance(value, str | Path) or not str(value):
            raise _refuse(label, value, spec)
        return str(value)
    checker = {"folder": _folder, "address": _address, "events": _events}[spec.kind]
    return checker(label, value, spec)


def _holds_midi(folder: Path) -> bool:
    try:
        return any(p.suffix.lower() in C.MIDI_SUFFIXES and p.is_file() for p in folder.rglob("*"))
    except OSError:  # an unreadable folder holds nothing we can read
        return False


def _check_path(source: str, path: str | None, label: Callable[[str], str]) -> None:
    """The path a source reads: a MIDI file or a folder holding one; a MAESTRO zip or a folder with its CSV."""
    if source not in MIDI_SOURCES:
        if path is not None:
            raise ConfigError(
                f"{label('path')} {shown(path)} is read only by the sources {' and '.join(MIDI_SOURCES)}, "
                f"not by source {source!r} (set {label('source')} too)"
            )
        return
    if path is None:
        raise ConfigError(f"{label('source')} {source!r} reads a file or folder: give {label('path')} too")
    kind, where = files.what_is(path), Path(path)
    named = f"{label('path')} {shown(path)}"
    if kind == files.NOTHING:
        raise ConfigError(f"{named} does not exist")
    if kind not in (files.REGULAR_FILE, files.FOLDER):
        raise ConfigError(f"{named} is {kind}, not a regular file or a folder")
    if source == "midi":
        if kind == files.REGULAR_FILE and where.suffix.lower() not in C.MIDI_SUFFIXES:
            raise ConfigError(f"{named} is not a MIDI file ({' or '.join(C.MIDI_SUFFIXES)})")
        if kind == files.FOLDER and not _holds_midi(where):
            raise ConfigError(f"{named} is a folder with no {' or '.join(C.MIDI_SUFFIXES)} files in it")
    elif kind == files.REGULAR_FILE and not zipfile.is_zipfile(where):
        raise ConfigError(f"{named} is not a zip archive (MAESTRO comes as a zip, or as its folder)")
    elif kind == files.FOLDER and not (any(where.glob("*.csv")) or any(where.glob("*/*.csv"))):
        raise ConfigError(f"{named} holds no MAESTRO metadata CSV (in it or in a folder inside it)")


@dataclass(frozen=True)
class Checked:
    """Values that passed :func:`check`, and the configs they make.

    Attributes:
        values: every value given, normalised (``None`` where the profile's value stands).
        data: the data config (``None`` without a ``profile``).
        experiment: the experiment config (``None`` without a ``seed`` or settings).
    """

    values: dict[str, Any]
    data: config.DataConfig | None = None
    experiment: config.ExperimentConfig | None = None


def check(
    values: Mapping[str, Any],
    *,
    settings: Mapping[str, Any] | None = None,
    label: Callable[[str], str] = str,
) -> Checked:
    """Check every value an entry point was given, alone and together, before any work starts.

    Args:
        values: option or parameter name (a key of :data:`SPECS`) → value.
        settings: model, training and strategy settings (``-s key=value``), by field name; ``None``
            values keep the profile's.
        label: how the user wrote an option or setting, from its name (``"--runs-dir"``, ``"-p seed"``,
            ``"-s iterations"``), for the messages.

    Returns:
        The normalised values, the :class:`~melodyreg.config.DataConfig` (given a ``profile``) and the
        :class:`~melodyreg.config.ExperimentConfig` (given a ``seed`` or settings; the strategy is
        ``values["strategy"]`` or the baseline).

    Raises:
        ConfigError: the first value refused, named as the user wrote it, with the value.
    """
    unknown = sorted(set(values) - set(SPECS))
    if unknown:
        raise ConfigError(f"no option or parameter named {', '.join(unknown)}; known: {', '.join(sorted(SPECS))}")
    checked = {name: check_value(name, value, label(name)) for name, value in values.items()}
    settings = {key: value for key, value in (settings or {}).items() if value is not None}
    for key, value in settings.items():
        if key == "name":
            raise ConfigError(f"name={shown(value)} is not a setting: choose the strategy with {label('strategy')}")
        if key in config.SETTINGS:
            settings[key] = coerce(label(key), value, config.SETTINGS[key])
    if "seed" in checked:
        profile = checked.get("profile", "poster")
        count = checked.get("num_seeds") or protocol.NUM_SEEDS.get(profile, 1)
        last = checked["seed"] + count  # the tuned protocol's final seeds start one after the tuning seed
        if last > C.SEED_MAX:
            raise ConfigError(
                f"{label('seed')} {checked['seed']} with {count} seeds reaches seed {last}, beyond {C.SEED_MAX}"
            )
    steps = checked.get("steps", checked.get("melody_steps"))
    if "primer" in checked and steps is not None and len(checked["primer"]) >= steps:
        raise ConfigError(
            f"{label('primer')} has {len(checked['primer'])} events, so {label('steps')} must be more "
            f"than that, got {steps}"
        )
    if "profile" not in checked:
        return Checked(checked)
    profile = checked["profile"]
    source = checked.get("source") or config.PROFILES[profile]["data"].get("source", "folk")
    _check_path(source, checked.get("path"), label)
    if checked.get("maestro_split") is not None and source != "maestro":
        raise ConfigError(
            f"{label('maestro_split')} {shown(checked['maestro_split'])} applies only to source 'maestro', "
            f"not {source!r}"
        )
    data = config.data_config(
        profile, source=checked.get("source"), path=checked.get("path"), maestro_split=checked.get("maestro_split")
    )
    if "seed" not in checked and not settings:
        return Checked(checked, data)
    try:
        experiment = config.experiment_config(
            profile,
            checked.get("strategy", "baseline"),
            seed=checked.get("seed", config.ExperimentConfig.seed),
            data=data,
            **{"iterations": checked.get("iterations"), **settings},
        )
    except ConfigError as error:  # a config's own range check names the field: name it as the user wrote it
        field, _, rest = str(error).partition(" ")
        if field in settings:
            raise ConfigError(f"{label(field)} {rest}") from error
        raise
    return Checked(checked, data, experiment)
