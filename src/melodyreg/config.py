"""Typed, frozen settings and the named profiles the book runs at.

A chapter's ``parameters`` cell names a ``profile`` (``smoke`` for CI, ``poster``
for the poster's settings) and may override single fields; :func:`data_config`
turns that into a validated :class:`DataConfig`. Every setting that changes a
prepared corpus is part of its cache key (see :mod:`melodyreg.dataset`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from melodyreg import constants as C

SOURCES = ("folk", "essen", "maestro", "midi")
MAESTRO_SPLITS = ("random", "official")


@dataclass(frozen=True)
class DataConfig:
    """Where melodies come from and how they are extracted.

    Attributes:
        source: ``folk`` (music21's folk collections), ``essen`` (the Essen
            collection, non-commercial licence), ``maestro`` (a local MAESTRO
            zip or folder at ``path``) or ``midi`` (a folder of MIDI files).
        collections: music21 collections read for ``folk``/``essen``.
        path: the MAESTRO zip/folder or the MIDI folder.
        maestro_split: ``random`` (the poster's 90:10 split by work) or
            ``official`` (MAESTRO's own train / validation+test split).
        steps_per_quarter, min_bars, max_steps, gap_bars, min_unique_pitches:
            MelodyRNN's extraction rules (see :mod:`melodyreg.melodies`).
        min_pitch, max_pitch: the encoded pitch range, max exclusive.
        transpose_to_key: key every melody is moved to (0 = C); ``None`` keeps keys.
        eval_fraction: share of pieces held out for evaluation.
    """

    source: str = "folk"
    collections: tuple[str, ...] = C.FOLK_COLLECTIONS
    path: str | None = None
    maestro_split: str = "random"
    steps_per_quarter: int = C.STEPS_PER_QUARTER
    min_bars: int = C.MIN_BARS
    max_steps: int = C.MAX_STEPS
    gap_bars: float = C.GAP_BARS
    min_unique_pitches: int = C.MIN_UNIQUE_PITCHES
    min_pitch: int = C.MIN_PITCH
    max_pitch: int = C.MAX_PITCH
    transpose_to_key: int | None = C.TRANSPOSE_TO_KEY
    eval_fraction: float = 0.1

    def __post_init__(self) -> None:
        object.__setattr__(self, "collections", tuple(self.collections))
        if self.source not in SOURCES:
            raise ValueError(f"unknown source {self.source!r}; choose one of {SOURCES}")
        if self.source in ("folk", "essen"):
            unknown = [c for c in self.collections if c not in C.KNOWN_COLLECTIONS]
            if unknown or not self.collections:
                raise ValueError(f"unknown or no collections {unknown or '()'}; known: {C.KNOWN_COLLECTIONS}")
        if self.source in ("maestro", "midi") and not self.path:
            raise ValueError(f"source {self.source!r} needs `path` (a zip or folder)")
        if self.maestro_split not in MAESTRO_SPLITS:
            raise ValueError(f"maestro_split must be one of {MAESTRO_SPLITS}, got {self.maestro_split!r}")
        for name in ("steps_per_quarter", "min_bars", "max_steps", "min_unique_pitches"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.gap_bars <= 0:
            raise ValueError(f"gap_bars must be positive, got {self.gap_bars}")
        if not 0 <= self.min_pitch < self.max_pitch <= 128 or self.max_pitch - self.min_pitch < 12:
            raise ValueError(f"pitch range [{self.min_pitch}, {self.max_pitch}) must lie in [0, 128) "
                             "and span at least an octave")
        if self.max_pitch - self.min_pitch + C.NUM_SPECIAL_EVENTS != C.NUM_CLASSES:
            raise ValueError(f"the model's {C.NUM_CLASSES} classes need a {C.NUM_CLASSES - 2}-pitch range")
        if self.transpose_to_key is not None and not 0 <= self.transpose_to_key < 12:
            raise ValueError(f"transpose_to_key must be 0..11 or None, got {self.transpose_to_key}")
        if not 0 < self.eval_fraction < 1:
            raise ValueError(f"eval_fraction must lie strictly between 0 and 1, got {self.eval_fraction}")

    @property
    def essen(self) -> bool:
        """Whether the non-commercial Essen collection is used."""
        return self.source == "essen" or "essenFolksong" in self.collections


# Profiles: a name → field overrides. `smoke` keeps CI fast (one small
# collection); `poster` is the default of the book: all four folk collections.
PROFILES: dict[str, dict[str, Any]] = {
    "smoke": {"data": {"collections": ("miscFolk",)}},
    "poster": {"data": {}},
}


def data_config(profile: str = "poster", **overrides: Any) -> DataConfig:
    """The :class:`DataConfig` of a profile, with ``overrides`` applied.

    ``source="essen"`` without explicit collections selects the Essen collection.
    An override of ``None`` keeps the profile's value.

    Raises:
        ValueError: unknown profile or field, or an invalid value.
    """
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {sorted(PROFILES)}")
    fields = {f.name for f in dataclasses.fields(DataConfig)}
    unknown = set(overrides) - fields
    if unknown:
        raise ValueError(f"unknown data settings {sorted(unknown)}; known: {sorted(fields)}")
    # None means "the profile's value", so a parameters cell can leave a field open.
    values = {**PROFILES[profile]["data"], **{k: v for k, v in overrides.items() if v is not None}}
    if values.get("source") == "essen" and "collections" not in overrides:
        values["collections"] = C.ESSEN_COLLECTIONS
    return DataConfig(**values)


def config_hash(config: Any, length: int = 12) -> str:
    """A short, stable hash of a (nested) dataclass, for artifact folder names."""
    payload = json.dumps(dataclasses.asdict(config), sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:length]
