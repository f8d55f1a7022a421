"""The study's protocol per profile: seeds, the tuning search, and the sizes of the evaluation's sweeps.

The ``poster`` profile follows the poster's protocol (every strategy once, at its
default setting). ``full`` and ``smoke`` follow the tuned one (Melis et al. 2018;
Lucic et al. 2018; Dodge et al. 2019): every strategy, the baseline included,
gets the same budget of settings (:data:`BUDGET`: its default and random draws
from :data:`SEARCH`, :func:`tuning_settings`), each trained once at the study's
seed and judged on the validation split (by the two rules of
:mod:`melodyreg.evaluation.tuning`); each selected setting is then trained at
:data:`NUM_SEEDS` (or :data:`QUALITY_SEEDS`) fresh seeds, none of them a tuning
run's (:func:`study_seeds`), and judged on the test split. The settings are
fields of the model, training and strategy configs (:mod:`melodyreg.config`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from melodyreg.config import ConfigError, experiment_config

# Training seeds per strategy: the study uses seed, seed + 1, ... (the poster ran one).
NUM_SEEDS = {"smoke": 2, "poster": 1, "full": 5}


@dataclass(frozen=True)
class Knob:
    """One dimension of a strategy's search space.

    Attributes:
        kind: ``log`` (log-uniform between ``low`` and ``high``), ``uniform`` (uniform between them)
            or ``choice`` (one of ``choices``, with equal chances; a choice that is a dict sets
            several fields at once).
    """

    kind: str
    low: float = 0.0
    high: float = 0.0
    choices: tuple = ()

    def draw(self, rng: np.random.Generator) -> Any:
        """One value, rounded to two significant digits (readable settings, stable run keys)."""
        if self.kind == "choice":
            return self.choices[int(rng.integers(len(self.choices)))]
        if self.kind == "log":
            value = float(np.exp(rng.uniform(np.log(self.low), np.log(self.high))))
        elif self.kind == "uniform":
            value = float(rng.uniform(self.low, self.high))
        else:
            raise ConfigError(f"unknown kind of knob {self.kind!r}")
        return float(f"{value:.2g}")


# The tuned comparison (Melis et al. 2018; Dodge et al. 2019): every strategy, the baseline included,
# gets BUDGET settings: its default (the profile's) and BUDGET - 1 drawn at random from its space in
# SEARCH, each trained once at the study's seed and judged on the validation split. The spaces:
# * every strategy trained from scratch (all but SeqGAN, below): Adam's learning rate, log-uniform from
#   half to twice MelodyRNN's 1e-3 (the knob Melis et al. tune for every model; a regularizer must beat
#   a baseline whose own knob was tuned);
# * dropout: the rate from 0.05 to 0.6 (MelodyRNN's default keep probability is 0.5);
# * scheduled sampling: k log-uniform over a range whose final ε (at the last iteration) runs from
#   mostly true inputs to almost none (k = 250 ... 1,500 at 5,000 iterations: final ε about 0.00 ...
#   0.98), and a floor of 0 or 0.5;
# * professor forcing: λ log-uniform from 1/4 to 4, the gates as Lamb et al. set them or off, how the
#   adversarial gradient joins the NLL's (raw, normalized, separate: its design is one of its knobs),
#   a discriminator reading every step or quarter-note averages, states alone or with the output
#   distribution.
# * SeqGAN: its adversarial steps (150 or 300), discriminator updates per generator update (1 or 3),
#   rollouts per reward point (4 or 8; the paper's 16 would cost twice as much) and the events between
#   reward points (8 or 16), a space whose dearest setting stays within twice a professor-forcing run
#   (benchmarks/seqgan_cost.py), and the generator's learning rate in the adversarial phase, log-uniform
#   from 1e-6 to 1e-4 (a fresh Adam steps every weight by about its rate whatever the reward's scale: at
#   the pre-training rate a few dozen REINFORCE steps undo the pre-training). Its pre-training is a
#   baseline run, so it starts where the baseline's tuning ended: from the baseline setting of lowest
#   validation NLL (melodyreg.runs.study.seqgan_start), whose learning rate the baseline's own budget
#   tuned; its budget goes to what it adds, and its runs need no baseline runs of their own.
# Random search rather than a grid: with six settings over up to six knobs a grid cannot cover the
# space, and random draws make the expected best against budget (evaluation.budget) meaningful.
BUDGET = {"smoke": 2, "poster": 0, "full": 6}
_SHARED = {"learning_rate": Knob("log", 5e-4, 2e-3)}
_PF = {
    "pf_lambda": Knob("log", 0.25, 4.0),
    "gates": Knob(
        "choice", choices=({"pf_gate_low": 0.75, "pf_gate_high": 0.99}, {"pf_gate_low": 0.0, "pf_gate_high": 1.0})
    ),
    "pf_adversarial": Knob("choice", choices=("raw", "normalized", "separate")),
    "pf_pool": Knob("choice", choices=(1, 4)),
    "pf_reads": Knob("choice", choices=("states", "states+probs")),
}


def _seqgan(steps: tuple[int, ...], rollouts: tuple[int, ...]) -> dict[str, Knob]:
    return {
        "sg_steps": Knob("choice", choices=steps),
        "sg_d_steps": Knob("choice", choices=(1, 3)),
        "sg_rollouts": Knob("choice", choices=rollouts),
        "sg_stride": Knob("choice", choices=(8, 16)),
        "sg_learning_rate": Knob("log", 1e-6, 1e-4),
    }


def _space(ss_k: Knob, seqgan: dict[str, Knob]) -> dict[str, dict[str, Knob]]:
    return {
        "baseline": dict(_SHARED),
        "dropout": {**_SHARED, "dropout_rate": Knob("uniform", 0.05, 0.6)},
        "scheduled_sampling": {**_SHARED, "ss_k": ss_k, "ss_floor": Knob("choice", choices=(0.0, 0.5))},
        "professor_forcing": {**_SHARED, **_PF},
        "seqgan": dict(seqgan),  # on the tuned baseline (see above): no learning rate of its pre-training
    }


SEARCH: dict[str, dict[str, dict[str, Knob]]] = {
    # 60 iterations: k = 5 ... 30 spans the same final ε; SeqGAN at toy size
    "smoke": _space(Knob("log", 5.0, 30.0), _seqgan((4, 8), (2, 4))),
    "poster": {},
    "full": _space(Knob("log", 250.0, 1500.0), _seqgan((150, 300), (4, 8))),
}

PUBLISHED_PF = {"pf_adversarial": "raw", "pf_gate_low": 0.75, "pf_gate_high": 0.99}  # Lamb et al.'s method


def _field(experiment, key: str) -> Any:
    """The value of setting ``key`` in an experiment config (a field of its train, strategy or model config)."""
    for part in (experiment.strategy, experiment.train, experiment.model):
        if hasattr(part, key):
            return getattr(part, key)
    raise ConfigError(f"unknown setting {key!r}")


def tuning_settings(profile: str, seed: int) -> dict[str, tuple[dict[str, Any], ...]]:
    """Each strategy's settings for tuning: ``{}`` (the profile's default) and ``BUDGET - 1`` random draws.

    The draws are seeded by ``seed`` and the strategy, so a study reruns the same settings, and each
    trains a run of its own: a draw that makes the same configuration as the default or an earlier
    draw (a learning rate that rounds to the default's, say) is drawn again. An empty dict for the
    poster's protocol.
    """
    if profile not in BUDGET:
        raise ConfigError(f"unknown profile {profile!r}; choose one of {sorted(BUDGET)}")
    settings = {}
    for index, (name, space) in enumerate(SEARCH[profile].items()):
        rng = np.random.default_rng([seed, index])
        drawn: list[dict[str, Any]] = [{}]
        configs = {experiment_config(profile, name)}
        while len(drawn) < BUDGET[profile]:
            setting: dict[str, Any] = {}
            for knob_name, knob in space.items():
                value = knob.draw(rng)
                setting.update(value if isinstance(value, dict) else {knob_name: value})
            default = experiment_config(profile, name)
            setting = {k: v for k, v in setting.items() if v != _field(default, k)}  # only what differs
            made = experiment_config(profile, name, **setting)
            if made not in configs:
                configs.add(made)
                drawn.append(setting)
        settings[name] = tuple(drawn)
    return settings


# Professor forcing's adversarial gradient, three ways, at its default setting and the first seed (tuned
# profiles): the chapter on professor forcing shows why the design matters (see StrategyConfig). These
# runs illustrate; the two that differ from the default setting are not tuning candidates. Which design
# the verdicts use is one of professor forcing's knobs in SEARCH, drawn inside its budget and chosen on
# validation data like any other; the method as Lamb et al. published it (PUBLISHED_PF) is trained at
# the final seeds beside it. The `poster` profile keeps the raw sum, the method as usually written.
PF_DESIGNS: dict[str, tuple[str, ...]] = {
    "smoke": ("raw", "normalized", "separate"),
    "poster": (),
    "full": ("raw", "normalized", "separate"),
}

# Melodies per run and temperature in the quality–diversity sweep of the evaluation chapter.
SWEEP_MELODIES = {"smoke": 16, "poster": 100, "full": 100}

# Hidden states per side in the t-SNE panels and the two-sample tests (t-SNE's cost grows with the square).
TSNE_STATES = {"smoke": 200, "poster": 1000, "full": 1000}

# Below this many paired seeds (or timing rounds), a claim or a frontier verdict is "untested". At three
# seeds a bootstrap interval is the range of the values (it covers the mean at most 75 % of the time) and
# "all three signs agree" happens 25 % of the time with no effect at all; five is the least the verdicts use.
MIN_SEEDS = 5

# Seeds of the final comparison at a setting chosen only by the sample-quality rule (the NLL rule's
# choice gets every seed of NUM_SEEDS). Every setting that gets a verdict gets MIN_SEEDS seeds or more.
QUALITY_SEEDS = {"smoke": 2, "poster": 1, "full": 5}


def study_seeds(profile: str, seed: int, num_seeds: int | None = None, *, tuned: bool = False) -> tuple[int, ...]:
    """The seeds of a study's final comparison (default count: the profile's).

    Args:
        seed: the study's seed, which also splits the corpus and, in the tuned protocol, trains
            every tuning run.
        tuned: the tuned protocol: the final comparison starts at ``seed + 1``, so no final run
            shares a seed with a tuning run and a selected tuning run's validation luck never
            enters a verdict. The poster's protocol has no tuning runs and starts at ``seed``.
    """
    if profile not in NUM_SEEDS:
        raise ConfigError(f"unknown profile {profile!r}; choose one of {sorted(NUM_SEEDS)}")
    count = NUM_SEEDS[profile] if num_seeds is None else num_seeds
    if count < 1:
        raise ConfigError(f"num_seeds must be at least 1, got {count}")
    first = seed + 1 if tuned else seed
    return tuple(first + i for i in range(count))
