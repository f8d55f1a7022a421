"""Typed, frozen settings and the named profiles the book runs at.

A chapter's ``parameters`` cell names a ``profile`` (``smoke`` for CI, ``poster``
for the poster's settings, ``full`` for them with the tuned protocol of
:mod:`melodyreg.protocol`) and may override single fields; :func:`data_config`
turns that into a validated :class:`DataConfig`. Every setting that changes a
prepared corpus is part of its cache key (see :mod:`melodyreg.data.dataset`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import typing
from dataclasses import dataclass
from typing import Any

from melodyreg import constants as C
from melodyreg.typecheck import ConfigError, check_types

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
            ``official`` (MAESTRO's own train, validation and test splits).
        steps_per_quarter, min_bars, max_steps, gap_bars, min_unique_pitches:
            MelodyRNN's extraction rules (see :mod:`melodyreg.data.melodies`).
        min_pitch, max_pitch: the encoded pitch range, max exclusive.
        transpose_to_key: key every melody is moved to (0 = C); ``None`` keeps keys.
        test_fraction: share of tunes (MAESTRO: compositions) held out as the test split, the
            poster's 10 %; nothing is tuned or selected on it.
        valid_fraction: share of the remaining tunes held out of training as the validation
            split, on which settings and checkpoints are chosen.
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
    test_fraction: float = 0.1
    valid_fraction: float = 0.1

    def __post_init__(self) -> None:
        check_types(self)
        if self.source not in SOURCES:
            raise ConfigError(f"unknown source {self.source!r}; choose one of {SOURCES}")
        if self.source in ("folk", "essen"):
            unknown = [c for c in self.collections if c not in C.KNOWN_COLLECTIONS]
            if unknown or not self.collections:
                raise ConfigError(f"unknown or no collections {unknown or '()'}; known: {C.KNOWN_COLLECTIONS}")
        if self.source in ("maestro", "midi") and not self.path:
            raise ConfigError(f"source {self.source!r} needs `path` (a zip or folder)")
        if self.maestro_split not in MAESTRO_SPLITS:
            raise ConfigError(f"maestro_split must be one of {MAESTRO_SPLITS}, got {self.maestro_split!r}")
        for name in ("steps_per_quarter", "min_bars", "max_steps", "min_unique_pitches"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.gap_bars <= 0:
            raise ConfigError(f"gap_bars must be positive, got {self.gap_bars}")
        if not 0 <= self.min_pitch < self.max_pitch <= 128 or self.max_pitch - self.min_pitch < 12:
            raise ConfigError(
                f"pitch range [{self.min_pitch}, {self.max_pitch}) must lie in [0, 128) and span at least an octave"
            )
        if self.max_pitch - self.min_pitch + C.NUM_SPECIAL_EVENTS != C.NUM_CLASSES:
            raise ConfigError(f"the model's {C.NUM_CLASSES} classes need a {C.NUM_CLASSES - 2}-pitch range")
        if self.transpose_to_key is not None and not 0 <= self.transpose_to_key < 12:
            raise ConfigError(f"transpose_to_key must be 0..11 or None, got {self.transpose_to_key}")
        for name in ("test_fraction", "valid_fraction"):
            if not 0 < getattr(self, name) < 1:
                raise ConfigError(f"{name} must lie strictly between 0 and 1, got {getattr(self, name)}")

    @property
    def essen(self) -> bool:
        """Whether the non-commercial Essen collection is used."""
        return self.source == "essen" or "essenFolksong" in self.collections


# Profiles: a name → field overrides. `smoke` keeps CI fast (one small
# collection); `poster` is the default of the book: all four folk collections;
# `full` is the poster's settings with the tuned protocol (melodyreg.protocol.tuning_settings) and five seeds.
PROFILES: dict[str, dict[str, Any]] = {
    "smoke": {"data": {"collections": ("miscFolk",)}},
    "poster": {"data": {}},
    "full": {"data": {}},
}


def data_config(profile: str = "poster", **overrides: Any) -> DataConfig:
    """The :class:`DataConfig` of a profile, with ``overrides`` applied.

    ``source="essen"`` without explicit collections selects the Essen collection.
    An override of ``None`` keeps the profile's value.

    Raises:
        ValueError: unknown profile or field, or an invalid value.
    """
    if profile not in PROFILES:
        raise ConfigError(f"unknown profile {profile!r}; choose one of {sorted(PROFILES)}")
    fields = {f.name for f in dataclasses.fields(DataConfig)}
    unknown = set(overrides) - fields
    if unknown:
        raise ConfigError(f"unknown data settings {sorted(unknown)}; known: {sorted(fields)}")
    # None means "the profile's value", so a parameters cell can leave a field open.
    values = {**PROFILES[profile]["data"], **{k: v for k, v in overrides.items() if v is not None}}
    if values.get("source") == "essen" and overrides.get("collections") is None:
        values["collections"] = C.ESSEN_COLLECTIONS
    return DataConfig(**values)


def config_hash(config: Any, length: int = C.DIGEST_LENGTH) -> str:
    """A short, stable hash of a (nested) dataclass or a JSON-able dict, for artifact folder names."""
    payload = json.dumps(
        config if isinstance(config, dict) else dataclasses.asdict(config), sort_keys=True, default=str
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:length]


# the poster's four, and SeqGAN (Yu et al. 2017), the poster's future work
STRATEGIES = ("baseline", "dropout", "scheduled_sampling", "professor_forcing", "seqgan")
KNOWN_STRATEGIES = STRATEGIES


@dataclass(frozen=True)
class ModelConfig:
    """The MelodyRNN architecture (it knows nothing of the training strategy).

    Attributes:
        layers: LSTM units per layer; the poster's MelodyRNN has two of 64.
        num_classes: one-hot event classes (38 for MelodyRNN's basic encoding).
        dropout_rate: share of LSTM outputs dropped in training (0 = off);
            never applied in evaluation or generation.
    """

    layers: tuple[int, ...] = (64, 64)
    num_classes: int = C.NUM_CLASSES
    dropout_rate: float = 0.0

    def __post_init__(self) -> None:
        check_types(self)
        if not self.layers or min(self.layers) < 1 or max(self.layers) > C.MAX_COUNT:
            raise ConfigError(f"layers must be positive unit counts (at most {C.MAX_COUNT}), got {self.layers}")
        if self.num_classes < 2:
            raise ConfigError(f"num_classes must be at least 2, got {self.num_classes}")
        if not 0 <= self.dropout_rate < 1:
            raise ConfigError(f"dropout_rate must lie in [0, 1), got {self.dropout_rate}")


@dataclass(frozen=True)
class StrategyConfig:
    """Which of the five strategies trains the model, and its settings.

    Attributes:
        name: ``baseline``, ``dropout``, ``scheduled_sampling``, ``professor_forcing`` or ``seqgan``.
        dropout_rate: for ``dropout``; MelodyRNN's default keep probability is 0.5.
        ss_k: scheduled sampling's inverse-sigmoid constant, ε_i = k / (k + exp(i / k)),
            k > 1. The default 500 puts ε = 0.5 at iteration k·ln k ≈ 3,100 and ε ≈ 0.02
            at 5,000, so the schedule actually moves from teacher forcing to
            mostly free running within the poster's 5,000 iterations.
        ss_floor: ε never falls below this (0 = the plain inverse-sigmoid schedule); a
            floor of 0.5 keeps at least half of the inputs true to the end.
        ss_sampling: ``sample`` (draw the fed-back token from the softmax) or ``argmax``.
        pf_lambda: weight of the generator's adversarial term.
        pf_gate_low: the adversarial term is used only while the discriminator's
            accuracy is at least this (it must know something to teach).
        pf_gate_high: the discriminator is updated only while its accuracy is
            below this (it must not become perfect).
        pf_units: GRU units per direction in the discriminator (its MLP has as many);
            32 costs about half of 64 and still reads the whole 128-wide hidden state
            at every (pooled) step.
        pf_pool: the discriminator reads hidden states averaged over groups of this
            many steps (4 = a quarter note; 1 = every step). Pooling makes its GRU
            4 times shorter and about as many times cheaper.
        pf_learning_rate: the discriminator's Adam learning rate.
        pf_adversarial: how the generator's adversarial gradient joins its NLL gradient:
            ``raw`` (λ times it, added before the one Adam step: rare large adversarial
            gradients then inflate Adam's second moments, which slows every later NLL
            step), ``normalized`` (rescaled to λ times the NLL gradient's norm before
            the sum) or ``separate`` (its own Adam optimizer at λ times the learning
            rate, so the NLL's Adam moments see only NLL gradients).
        pf_reads: what the discriminator reads per step: ``states`` (the hidden states)
            or ``states+probs`` (the hidden states and the output distribution, as
            Lamb et al. do).
        sg_steps: SeqGAN's adversarial generator updates, after pre-training (the stored
            baseline run of the same seed and settings) and ``sg_d_pretrain``
            discriminator updates (:mod:`melodyreg.model.seqgan`).
        sg_d_pretrain: discriminator updates on real against generated sequences before
            the first generator update.
        sg_d_steps: discriminator updates after each generator update.
        sg_rollouts: Monte-Carlo completions per reward point (Yu et al.: 16).
        sg_stride: events between reward points; every event of a block gets the reward
            of the prefix that ends the block (1 = a reward per event, as in the paper).
        sg_length: events per generated sequence in the adversarial phase (the paper's: 20).
        sg_rollout_delay: the rollout policy follows the generator as
            β ← delay · β + (1 − delay) · θ after each generator update (the paper's 0.8).
        sg_d_learning_rate: the discriminator's Adam learning rate.
        sg_learning_rate: the generator's Adam learning rate in the adversarial phase (pre-training used
            ``learning_rate``). A fresh Adam takes steps of about this size whatever the reward's
            scale, so at the pre-training rate a few dozen REINFORCE steps undo the pre-training.
    """

    name: str = "baseline"
    dropout_rate: float = 0.5
    ss_k: float = 500.0
    ss_floor: float = 0.0
    ss_sampling: str = "sample"
    pf_lambda: float = 1.0
    pf_gate_low: float = 0.75
    pf_gate_high: float = 0.99
    pf_units: int = 32
    pf_pool: int = 4
    pf_learning_rate: float = 1e-3
    pf_adversarial: str = "raw"
    pf_reads: str = "states"
    sg_steps: int = 300
    sg_d_pretrain: int = 100
    sg_d_steps: int = 1
    sg_rollouts: int = 4
    sg_stride: int = 16
    sg_length: int = 64
    sg_rollout_delay: float = 0.8
    sg_d_learning_rate: float = 1e-4
    sg_learning_rate: float = 1e-5

    def __post_init__(self) -> None:
        check_types(self)
        if self.name not in KNOWN_STRATEGIES:
            raise ConfigError(f"unknown strategy {self.name!r}; choose one of {KNOWN_STRATEGIES}")
        if not 0 < self.dropout_rate < 1:
            raise ConfigError(f"dropout_rate must lie in (0, 1), got {self.dropout_rate}")
        if not self.ss_k > 1:
            raise ConfigError(f"ss_k: scheduled sampling needs k > 1, got k = {self.ss_k}")
        if self.ss_sampling not in ("sample", "argmax"):
            raise ConfigError(f"ss_sampling must be 'sample' or 'argmax', got {self.ss_sampling!r}")
        if not 0 <= self.ss_floor <= 1:
            raise ConfigError(f"ss_floor must lie in [0, 1], got {self.ss_floor}")
        if self.pf_adversarial not in ("raw", "normalized", "separate"):
            raise ConfigError(f"pf_adversarial must be 'raw', 'normalized' or 'separate', got {self.pf_adversarial!r}")
        if self.pf_reads not in ("states", "states+probs"):
            raise ConfigError(f"pf_reads must be 'states' or 'states+probs', got {self.pf_reads!r}")
        for name in ("pf_pool", "pf_units"):
            if not 1 <= getattr(self, name) <= C.MAX_COUNT:
                raise ConfigError(f"{name} must be from 1 to {C.MAX_COUNT}, got {getattr(self, name)}")
        if self.pf_lambda < 0 or self.pf_learning_rate <= 0:
            raise ConfigError(
                f"pf_lambda must be >= 0 and pf_learning_rate > 0, got {self.pf_lambda}, {self.pf_learning_rate}"
            )
        if not 0 <= self.pf_gate_low <= self.pf_gate_high <= 1:
            raise ConfigError(
                f"need 0 <= pf_gate_low <= pf_gate_high <= 1, got {self.pf_gate_low}, {self.pf_gate_high}"
            )
        for name in ("sg_steps", "sg_d_pretrain", "sg_d_steps"):
            if not 0 <= getattr(self, name) <= C.MAX_COUNT:
                raise ConfigError(f"{name} must be from 0 to {C.MAX_COUNT}, got {getattr(self, name)}")
        for name in ("sg_rollouts", "sg_stride", "sg_length"):
            if not 1 <= getattr(self, name) <= C.MAX_COUNT:
                raise ConfigError(f"{name} must be from 1 to {C.MAX_COUNT}, got {getattr(self, name)}")
        if self.sg_length < 2 or self.sg_stride > self.sg_length:
            raise ConfigError(f"need 2 <= sg_length and sg_stride <= sg_length, got {self.sg_length}, {self.sg_stride}")
        if not 0 <= self.sg_rollout_delay < 1 or self.sg_d_learning_rate <= 0 or self.sg_learning_rate <= 0:
            raise ConfigError(
                "sg_rollout_delay must lie in [0, 1) and sg_d_learning_rate and sg_learning_rate be positive, got "
                f"{self.sg_rollout_delay}, {self.sg_d_learning_rate}, {self.sg_learning_rate}"
            )


@dataclass(frozen=True)
class TrainConfig:
    """The shared training loop; defaults are the poster's.

    Attributes:
        batch_size: sequences per iteration (32).
        iterations: optimizer steps (5,000).
        learning_rate: Adam's (1e-3); clip_norm: global gradient norm clip (5).
        window: steps per training sequence, cut at random from a training melody.
        eval_every: iterations between evaluations on held-out data.
        eval_windows: at most this many held-out windows per evaluation.
        checkpoint_every: iterations between checkpoints (resume points).
    """

    batch_size: int = 32
    iterations: int = 5000
    learning_rate: float = 1e-3
    clip_norm: float = 5.0
    window: int = 128
    eval_every: int = 100
    eval_windows: int = 512
    checkpoint_every: int = 500

    def __post_init__(self) -> None:
        check_types(self)
        for name in ("batch_size", "iterations", "window", "eval_every", "eval_windows", "checkpoint_every"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
            if getattr(self, name) > C.MAX_COUNT:
                raise ConfigError(f"{name} must be at most {C.MAX_COUNT}, got {getattr(self, name)}")
        if self.learning_rate <= 0 or self.clip_norm <= 0:
            raise ConfigError(
                f"learning_rate and clip_norm must be positive, got {self.learning_rate}, {self.clip_norm}"
            )


@dataclass(frozen=True)
class ExperimentConfig:
    """Everything one training run depends on; its hash names the run's folder.

    ``seed`` seeds the run's weights and every random draw in training;
    ``split_seed`` seeded the train/validation/test split it trains on (a study
    keeps one split for all its seeds, so runs pair up by seed). Both lie in
    0 ... 2**32 - 1, the seeds NumPy and TensorFlow take. ``split_digest`` is
    the :attr:`~melodyreg.data.splits.Split.digest` of the melodies the run
    trains and validates on, so a run is keyed by its data as well as its
    settings: a change in how tunes are grouped or split retrains. It is empty
    only in a config made before its corpus was split; such a config cannot
    be trained (:func:`melodyreg.runs.sweep.ensure_runs` refuses it).
    """

    data: DataConfig = DataConfig()
    model: ModelConfig = ModelConfig()
    strategy: StrategyConfig = StrategyConfig()
    train: TrainConfig = TrainConfig()
    seed: int = 2017
    split_seed: int = 2017
    split_digest: str = ""

    def __post_init__(self) -> None:
        check_types(self)
        for name in ("seed", "split_seed"):
            if not 0 <= getattr(self, name) <= C.SEED_MAX:
                raise ConfigError(f"{name} must be from 0 to {C.SEED_MAX}, got {getattr(self, name)}")
        if self.split_digest and not re.fullmatch(f"[0-9a-f]{{{C.DIGEST_LENGTH}}}", self.split_digest):
            raise ConfigError(
                f"split_digest must be {C.DIGEST_LENGTH} hexadecimal digits or empty, got {self.split_digest!r}"
            )
        classes = self.data.max_pitch - self.data.min_pitch + C.NUM_SPECIAL_EVENTS
        if self.model.num_classes != classes:
            raise ConfigError(f"num_classes must be {classes}, the classes of the data, got {self.model.num_classes}")

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True, indent=1, default=str)

    def label(self) -> str:
        """A short name for progress lines: the strategy, its knobs away from the defaults, the seed.

        The knobs are the strategy's own and the learning rate, which the tuned protocol draws for every
        strategy, so two tuning runs of one strategy never share a label. For example
        ``scheduled_sampling (ss_k=500, ss_floor=0.5, learning_rate=0.0018) seed 2018``.
        """
        defaults = StrategyConfig(name=self.strategy.name)
        changed = [
            (f.name, getattr(self.strategy, f.name))
            for f in dataclasses.fields(StrategyConfig)
            if f.name != "name" and getattr(self.strategy, f.name) != getattr(defaults, f.name)
        ]
        if self.train.learning_rate != TrainConfig.learning_rate:
            changed.append(("learning_rate", self.train.learning_rate))
        knobs = [f"{name}={value:g}" if isinstance(value, float) else f"{name}={value}" for name, value in changed]
        setting = f" ({', '.join(knobs)})" if knobs else ""
        return f"{self.strategy.name}{setting} seed {self.seed}"


# Every setting `experiment_config` takes (a field of the model, train or strategy config) → its annotation;
# the strategy's name is not one (it is an argument of its own).
SETTINGS: dict[str, Any] = {
    name: hint
    for cls in (ModelConfig, TrainConfig, StrategyConfig)
    for name, hint in typing.get_type_hints(cls).items()
    if name != "name"
}

# Training settings per profile (data settings are in PROFILES above).
TRAIN_PROFILES: dict[str, dict[str, Any]] = {
    "smoke": {
        "train": {
            "iterations": 60,
            "batch_size": 8,
            "window": 32,
            "eval_every": 20,
            "eval_windows": 32,
            "checkpoint_every": 30,
        },
        "strategy": {
            "ss_k": 10.0,
            "pf_adversarial": "separate",
            "sg_steps": 6,
            "sg_d_pretrain": 4,
            "sg_length": 16,
            "sg_stride": 8,
            "sg_rollouts": 2,
        },
        "model": {"layers": (16, 16)},
    },
    "poster": {"train": {}, "strategy": {}, "model": {}},
    # the tuned comparison's default professor forcing keeps its adversarial step apart; the design is one of
    # its tuned knobs (see melodyreg.protocol.PF_DESIGNS)
    "full": {"train": {}, "strategy": {"pf_adversarial": "separate"}, "model": {}},
}

# The knobs each strategy reads; the others keep their defaults, so a setting of one strategy (say
# professor forcing's design at the full profile) never changes another strategy's run key.
OWN_KNOBS = {
    "baseline": (),
    "dropout": ("dropout_rate",),
    "scheduled_sampling": ("ss_k", "ss_floor", "ss_sampling"),
    "professor_forcing": tuple(f.name for f in dataclasses.fields(StrategyConfig) if f.name.startswith("pf_")),
    "seqgan": tuple(f.name for f in dataclasses.fields(StrategyConfig) if f.name.startswith("sg_")),
}
# Knobs added after runs were first stored: a run key leaves them out while they are at their defaults, so
# the runs stored before them keep their folders (:func:`melodyreg.runs.store.run_folder`).
LATER_KNOBS = OWN_KNOBS["seqgan"]


def _own_knobs_only(strategy: StrategyConfig) -> StrategyConfig:
    defaults = StrategyConfig(name=strategy.name)
    others = {
        f.name: getattr(defaults, f.name)
        for f in dataclasses.fields(StrategyConfig)
        if f.name != "name" and f.name not in OWN_KNOBS[strategy.name]
    }
    return dataclasses.replace(strategy, **others)


def experiment_config(
    profile: str = "poster",
    strategy: str = "baseline",
    *,
    seed: int = 2017,
    split_seed: int | None = None,
    split_digest: str = "",
    data: DataConfig | None = None,
    **overrides: Any,
) -> ExperimentConfig:
    """The :class:`ExperimentConfig` for one strategy at a profile.

    ``overrides`` name fields of the train, strategy or model configs (e.g.
    ``iterations=200``, ``ss_k=100``, ``layers=(32, 32)``); ``None`` keeps the
    profile's value. ``split_digest`` names the melodies the run trains on
    (:attr:`melodyreg.data.splits.Split.digest`). The ``dropout`` strategy switches the model's dropout on
    at the strategy's rate: the architecture itself is the same for all five.

    Raises:
        ValueError: unknown profile, strategy or field, or an invalid value.
    """
    if profile not in TRAIN_PROFILES:
        raise ConfigError(f"unknown profile {profile!r}; choose one of {sorted(TRAIN_PROFILES)}")
    # later groups win a shared name: `dropout_rate` is the strategy's, copied to the model below
    groups = {"model": ModelConfig, "train": TrainConfig, "strategy": StrategyConfig}
    values = {name: dict(TRAIN_PROFILES[profile][name]) for name in groups}
    owners = {f.name: name for name, cls in groups.items() for f in dataclasses.fields(cls)}
    for key, value in overrides.items():
        if key == "name":  # the strategy's name is an argument of its own, not a setting
            raise ConfigError(f"the strategy is not a setting (got name={value!r}); choose it as the strategy")
        if key not in owners:
            raise ConfigError(f"unknown setting {key!r}; known: {sorted(SETTINGS)}")
        if value is not None:
            values[owners[key]][key] = value
    strategy_config = _own_knobs_only(StrategyConfig(name=strategy, **values["strategy"]))
    if strategy == "dropout":
        values["model"]["dropout_rate"] = strategy_config.dropout_rate
    return ExperimentConfig(
        data=data or data_config(profile),
        model=ModelConfig(**values["model"]),
        strategy=strategy_config,
        train=TrainConfig(**values["train"]),
        seed=seed,
        split_seed=seed if split_seed is None else split_seed,
        split_digest=split_digest,
    )
