"""The study the chapters show: the strategies trained on one corpus and split, and the tuned comparison.

Two protocols, by profile:

* **the poster's** (``poster``): every strategy at its default setting, at each
  of the profile's seeds;
* **tuned** (``full`` and ``smoke``): every strategy, the baseline included, gets
  the same budget of settings, its default and random draws from its search space
  (:func:`melodyreg.protocol.tuning_settings`), each trained
  once at the study's seed (:func:`run_study`); the evaluation layer chooses a
  setting per strategy on the validation split, by two rules; then
  :func:`train_final` trains each choice at fresh seeds that no tuning run used
  (:func:`melodyreg.protocol.study_seeds`), and the verdicts are judged on the
  test split.

The split is the same for every run of a study (seeded by the study's seed), so
runs differ only in their training randomness and pair up by seed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from melodyreg import config, protocol
from melodyreg import constants as C
from melodyreg import options as checks
from melodyreg.config import STRATEGIES
from melodyreg.data import dataset, splits
from melodyreg.data.melodies import encode
from melodyreg.data.windows import Batcher, eval_windows
from melodyreg.model import generation, seqgan, training
from melodyreg.model.network import build
from melodyreg.runs import store, sweep


@dataclass
class Study:
    """A corpus, its split, and every run of the study.

    Attributes:
        seed: the study's seed: it seeds the split, the sampling, and every default and tuning run.
        runs: one run per strategy at its default setting and ``seed`` (what chapters 02 to 05 show); in
            the tuned protocol SeqGAN's is its default adversarial knobs on the baseline of
            ``baseline_choice``.
        seeds: the seeds of the final comparison: ``seed`` onward in the poster's protocol, from
            ``seed + 1`` in the tuned one, so that no final run is a tuning run.
        grid: the tuning runs, one per (strategy, setting) at ``seed``: dicts with ``strategy``,
            ``setting`` (a label), ``overrides`` (the setting's values) and ``run``. The baseline's
            one setting is included; empty for the poster's protocol.
        designs: professor forcing at its default setting and ``seed``, per way its adversarial
            gradient joins the NLL's (:data:`melodyreg.protocol.PF_DESIGNS`; tuned protocol only).
        final: ``{(rule, strategy, seed): run}``: each strategy at the setting a selection rule
            chose, at every seed of the comparison (see :func:`train_final`). For the poster's
            protocol: the default settings under the rule ``nll``.
        selected: ``{rule: {strategy: overrides}}`` behind ``final``.
        baseline_choice: tuned protocol with SeqGAN: the baseline setting of lowest validation NLL
            (:func:`seqgan_start`), which SeqGAN's runs start from. It is the NLL rule's choice for the
            baseline, made once here; :func:`melodyreg.evaluation.tuning.tune` reuses it rather than
            scoring the baseline again, so the two cannot differ in the last bits of a near tie.
        published: tuned protocol: professor forcing as Lamb et al. published it
            (:data:`melodyreg.protocol.PUBLISHED_PF`: the raw sum, their gates) at every seed of
            the comparison, to set beside the setting its budget chose.
    """

    profile: str
    seed: int
    corpus: dataset.Corpus
    parts: splits.Split
    runs: dict[str, store.Run]
    seeds: tuple[int, ...] = ()
    grid: list[dict] = field(default_factory=list)
    designs: dict[str, store.Run] = field(default_factory=dict)
    final: dict[tuple[str, str, int], store.Run] = field(default_factory=dict)
    selected: dict[str, dict[str, dict]] = field(default_factory=dict)
    published: dict[int, store.Run] = field(default_factory=dict)
    options: dict = field(default_factory=dict, repr=False)
    baseline_choice: dict | None = None

    def melodies(self, side: str) -> list[np.ndarray]:
        """Encoded melodies of the ``train``, ``valid`` or ``test`` side."""
        return self.parts.melodies(self.corpus, side)

    @property
    def tuned(self) -> bool:
        """Whether the study follows the tuned protocol (it has a tuning grid)."""
        return bool(self.grid)

    def seed_runs(self, rule: str = "nll") -> dict[tuple[str, int], store.Run]:
        """``{(strategy, seed): run}`` of the final comparison under ``rule``."""
        return {(name, seed): run for (r, name, seed), run in self.final.items() if r == rule}


def setting_label(overrides: dict) -> str:
    """A short label for a setting's values, e.g. ``ss_k = 500, ss_floor = 0.5`` (``default`` when none)."""
    if not overrides:
        return "default"
    return ", ".join(
        f"{key} = {value:g}" if isinstance(value, float) else f"{key} = {value}" for key, value in overrides.items()
    )


def run_study(
    profile: str = "poster",
    *,
    seed: int = 2017,
    num_seeds: int | None = None,
    source: str | None = None,
    path: str | None = None,
    maestro_split: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    overrides: dict | None = None,
    strategies: Sequence[str] = STRATEGIES,
    runs_dir: Path | None = None,
    tuning: bool = True,
) -> Study:
    """Prepare the corpus and make sure the study's first-stage runs exist (trained here or reused).

    Poster's protocol: every strategy at its default setting at each seed (the
    final comparison, complete). Tuned protocol: the default runs and the
    tuning grid at the study's seed; :func:`train_final` adds the final seeds once the
    settings are chosen. Everything wanted at once trains together, on Dask.

    Args:
        num_seeds: seeds of the final comparison (default: the profile's).
        scheduler: a Dask scheduler address to train on (default: a local cluster).
        overrides: settings applied to every run (e.g. ``{"iterations": 200}``).
        runs_dir: the artifact store (default ``runs/`` in the repository).
        tuning: follow the profile's tuning grid (``False``: the poster's protocol at any profile).
    """
    checks.check(  # the same checks as the command line's and the book's, before any corpus is prepared
        {
            "profile": profile,
            "seed": seed,
            "num_seeds": num_seeds,
            "source": source,
            "path": path,
            "maestro_split": maestro_split,
            "workers": workers,
            "scheduler": scheduler,
            "runs_dir": None if runs_dir is None else str(runs_dir),
        },
        settings=overrides,
        label=lambda name: f"run_study({name}=…)",
    )
    options = {
        **plan(profile, seed=seed, source=source, path=path, maestro_split=maestro_split, overrides=overrides),
        "workers": workers,
        "scheduler": scheduler,
        "runs_dir": runs_dir or store.RUNS_DIR,
        "strategies": tuple(strategies),
    }
    corpus = dataset.prepare(options["data"], workers=workers)
    parts = splits.split(corpus, seed)
    options["split_digest"] = parts.digest  # every run is keyed by the melodies it trains on
    grid_settings = protocol.tuning_settings(profile, seed) if tuning else {}
    seeds = protocol.study_seeds(profile, seed, num_seeds, tuned=bool(grid_settings))
    designs: dict = {}
    baseline_choice = None
    defaults = {name: run_config(options, name, seed) for name in strategies}
    rows = []
    if grid_settings:
        # first the strategies that train from scratch; then SeqGAN, from the baseline tuning run
        # validation NLL chose (seqgan_start)
        first = [name for name in strategies if name != "seqgan"]
        rows = _grid_rows(options, first, grid_settings, seed)
        wanted = [defaults[name] for name in first] + [row["config"] for row in rows]
        if "professor_forcing" in strategies:
            designs = {
                d: run_config(options, "professor_forcing", seed, {"pf_adversarial": d})
                for d in protocol.PF_DESIGNS[profile]
            }
            wanted += list(designs.values())
        trained = dict(zip(wanted, _ensure(options, wanted, corpus, parts)))
        if "seqgan" in strategies:
            start = seqgan_start(
                [{**row, "run": trained[row["config"]]} for row in rows], parts.melodies(corpus, "valid")
            )
            seqgan_rows = _grid_rows(options, ["seqgan"], grid_settings, seed, start)
            baseline_choice = start if "baseline" in strategies else None
            defaults["seqgan"] = seqgan_rows[0]["config"]  # the default knobs, on the chosen baseline
            later = [row["config"] for row in seqgan_rows]
            trained.update(zip(later, _ensure(options, later, corpus, parts)))
            rows += seqgan_rows
    else:
        wanted = [run_config(options, name, run_seed) for run_seed in seeds for name in strategies]
        trained = dict(zip(wanted, _ensure(options, wanted, corpus, parts)))
    grid = [{**{k: v for k, v in row.items() if k != "config"}, "run": trained[row["config"]]} for row in rows]
    study = Study(
        profile,
        seed,
        corpus,
        parts,
        {name: trained[c] for name, c in defaults.items()},
        seeds,
        grid,
        {d: trained[c] for d, c in designs.items()},
        options=options,
        baseline_choice=baseline_choice,
    )
    if not grid_settings:
        study.selected = {"nll": {name: {} for name in strategies}}
        study.final = {
            ("nll", name, run_seed): trained[run_config(options, name, run_seed)]
            for run_seed in seeds
            for name in strategies
        }
    return study


def _grid_rows(options: dict, names: Sequence[str], settings: dict, seed: int, start: dict | None = None) -> list[dict]:
    """One tuning row per strategy of ``names`` and setting: ``strategy``, ``setting`` (a label of the drawn
    knobs), ``overrides`` (the run's values: the drawn ones on top of ``start``, the baseline setting SeqGAN
    starts from) and ``config``."""
    rows = []
    for name in names:
        for extra in settings[name]:
            overrides = {**(start or {}), **extra}
            rows.append(
                {
                    "strategy": name,
                    "setting": setting_label(extra),
                    "overrides": overrides,
                    "config": run_config(options, name, seed, overrides),
                }
            )
    return rows


def validation_nll(model, held_out: dict) -> float:
    """A model's teacher-forced NLL per event on ``held_out`` (:func:`validation_windows`): at a run's final
    iterate, what the NLL rule of :mod:`melodyreg.evaluation.tuning` ranks settings by."""
    return training.evaluate(model, held_out)["loss"]


def validation_windows(melodies: Sequence[np.ndarray], window: int) -> dict:
    """Every window of the validation melodies (no limit), as the tuning rules score runs on them."""
    return eval_windows(melodies, window, limit=10**9)


def seqgan_start(rows: Sequence[dict], valid: Sequence[np.ndarray]) -> dict:
    """The baseline setting SeqGAN's runs start from: the baseline tuning run of lowest validation NLL.

    SeqGAN is maximum-likelihood pre-training followed by an adversarial phase, and its pre-training
    *is* a baseline run (:func:`melodyreg.model.seqgan.pretraining`). So SeqGAN starts where the
    baseline's own tuning ended: every SeqGAN run, tuning or final, starts from the baseline at the
    setting the NLL rule chose for it, and SeqGAN's budget goes to what it adds (its adversarial
    knobs, :data:`melodyreg.protocol.SEARCH`). Its runs then need no baseline runs of their own: its
    tuning runs start from that baseline tuning run, its final runs from the baseline's final runs
    at the same seeds, and under the NLL rule its paired difference from the baseline is the adversarial
    phase alone (the quality rule may choose another baseline setting). Its budget builds on the
    baseline's: the chapters and the budget reading say so.

    Args:
        rows: the tuning rows, with their trained ``run``; only the baseline's are read.
        valid: the encoded validation melodies.

    Returns:
        The chosen baseline setting's overrides (``{}`` for the default, or when no baseline was tuned;
        ties go to the first setting of the grid, as in the rule).
    """
    baseline = [row for row in rows if row["strategy"] == "baseline"]
    if not baseline:
        return {}
    held_out = validation_windows(valid, baseline[0]["run"].config.train.window)
    model = build(baseline[0]["run"].config.model)  # one model object, each run's weights loaded in turn
    scores = np.array([validation_nll(row["run"].load_into(model), held_out) for row in baseline])
    if np.isnan(scores).all():
        return {}
    return dict(baseline[int(np.nanargmin(scores))]["overrides"])


# The parameters of a chapter's parameters cell that name its study (the rest concern what a chapter shows).
STUDY_PARAMETERS = ("profile", "seed", "num_seeds", "source", "path", "maestro_split", "workers", "scheduler")


def from_parameters(parameters: Mapping[str, object]) -> Study:
    """The study of a chapter, from the values of its parameters cell (:func:`run_study`'s first stage).

    Every chapter that shows runs starts with the same parameters; this is the one place that
    turns them into a study, so the chapters cannot drift apart in how they call it.

    Args:
        parameters: the chapter's parameters by name (in a chapter, ``globals()``): every name of
            :data:`STUDY_PARAMETERS` and ``iterations`` (``None``: the profile's); other names are
            ignored, since a chapter's parameters cell also sets what it shows.

    Raises:
        KeyError: a study parameter is missing, named in the message.
    """
    missing = [name for name in (*STUDY_PARAMETERS, "iterations") if name not in parameters]
    if missing:
        raise KeyError(f"the parameters lack {', '.join(missing)} (a chapter's parameters cell sets them all)")
    chosen = {name: parameters[name] for name in STUDY_PARAMETERS}
    return run_study(chosen.pop("profile"), **chosen, overrides={"iterations": parameters["iterations"]})


def plan(
    profile: str,
    *,
    seed: int = 2017,
    source: str | None = None,
    path: str | None = None,
    maestro_split: str | None = None,
    overrides: dict | None = None,
    split_digest: str = "",
) -> dict:
    """What names a study's runs, computed without preparing or training anything.

    Returns:
        ``profile``, ``split_seed``, ``split_digest`` (the melodies' digest, known once the corpus is
        split, :attr:`~melodyreg.data.splits.Split.digest`), ``data`` (the
        :class:`~melodyreg.config.DataConfig`) and ``common`` (settings applied to every run), as
        :func:`run_config` reads them.
    """
    return {
        "profile": profile,
        "split_seed": seed,
        "split_digest": split_digest,
        "data": config.data_config(profile, source=source, path=path, maestro_split=maestro_split),
        "common": {k: v for k, v in (overrides or {}).items() if v is not None},
    }


def run_config(options: dict, name: str, run_seed: int, extra: dict | None = None) -> config.ExperimentConfig:
    """The configuration of strategy ``name`` at ``run_seed`` with the setting ``extra``, in the study ``options``
    describe (:func:`plan`)."""
    return config.experiment_config(
        options["profile"],
        name,
        seed=run_seed,
        split_seed=options["split_seed"],
        split_digest=options["split_digest"],
        data=options["data"],
        **{**options["common"], **(extra or {})},
    )


def _ensure(options: dict, configs, corpus, parts) -> list[store.Run]:
    return sweep.ensure_runs(
        configs, corpus, parts, runs_dir=options["runs_dir"], workers=options["workers"], scheduler=options["scheduler"]
    )


def pretraining_run(study: Study, run: store.Run) -> store.Run | None:
    """The stored baseline run a SeqGAN ``run`` started from (``None`` for another strategy, or if it is gone):
    trained for SeqGAN, so part of what the study cost."""
    if run.config.strategy.name != "seqgan":
        return None
    return store.load(seqgan.pretraining(run.config), Path((study.options or {}).get("runs_dir") or store.RUNS_DIR))


def train_final(study: Study, selected: dict[str, dict[str, dict]]) -> Study:
    """Train the final comparison: every strategy at each rule's chosen setting, at the study's seeds.

    The first rule's (validation NLL's) choices get every seed of the study; a
    setting that only another rule chose gets :data:`melodyreg.protocol.QUALITY_SEEDS`
    seeds. A setting two rules share is trained once and serves both, at every seed
    (so a comparison between strategies both rules set alike pairs every seed). In the
    tuned protocol none of these seeds is the tuning runs' seed, so a selected tuning run
    never becomes a final run and its validation luck never enters a verdict.

    Args:
        selected: ``{rule: {strategy: overrides}}``, as the evaluation layer chooses them.

    Returns:
        The study with ``final`` and ``selected`` filled in.
    """
    options, first_rule = study.options, next(iter(selected))
    wanted = {}
    for rule, choices in selected.items():
        for name, extra in choices.items():
            shared = rule == first_rule or extra == selected[first_rule].get(name)
            count = len(study.seeds) if shared else protocol.QUALITY_SEEDS[study.profile]
            for run_seed in study.seeds[: max(1, count)]:
                wanted[(rule, name, run_seed)] = run_config(options, name, run_seed, extra)
    published = {}
    if study.grid and "professor_forcing" in study.runs:  # the method as Lamb et al. wrote it, for comparison
        published = {
            run_seed: run_config(options, "professor_forcing", run_seed, protocol.PUBLISHED_PF)
            for run_seed in study.seeds
        }
    unique = list(dict.fromkeys([*wanted.values(), *published.values()]))  # a shared setting is asked for once
    trained = dict(zip(unique, _ensure(options, unique, study.corpus, study.parts)))
    return dataclasses.replace(
        study,
        selected=selected,
        final={key: trained[c] for key, c in wanted.items()},
        published={run_seed: trained[c] for run_seed, c in published.items()},
    )


def sample(
    study: Study, *, num: int = 10, steps: int = 128, primer: Sequence[int] = C.DEFAULT_PRIMER, temperature: float = 1.0
) -> dict[str, generation.Generated]:
    """``num`` melodies of ``steps`` steps per strategy, primed with ``primer``, seeded by the study."""
    return {
        name: generation.generate(
            run.model(), num=num, steps=steps, primer=primer, temperature=temperature, seed=study.seed
        )
        for name, run in study.runs.items()
    }


def begins_like_primer(classes: np.ndarray, primer: Sequence[int] = C.DEFAULT_PRIMER) -> bool:
    """Whether a melody's event classes begin with ``primer`` (note-seq events), as generated melodies do."""
    start = encode(primer)
    return len(classes) >= len(start) and bool(np.array_equal(np.asarray(classes)[: len(start)], start))


def real_example(
    study: Study, *, side: str = "test", steps: int = 128, primer: Sequence[int] = C.DEFAULT_PRIMER
) -> tuple[int, np.ndarray]:
    """A real melody to set beside generated ones: its index and first ``steps`` event classes.

    Drawn with the study's seed from the ``side`` melodies at least ``steps`` long that begin
    with ``primer`` (as the generated ones do); from all of that side's melodies if none does.

    Raises:
        ValueError: the side has no melodies.
    """
    indices = np.asarray(getattr(study.parts, side))
    if len(indices) == 0:
        raise ValueError(f"the {side} side has no melodies")
    fitting = [
        int(i)
        for i in indices
        if len(study.corpus.melodies[i]) >= steps and begins_like_primer(study.corpus.melodies[i], primer)
    ]
    pool = fitting or [int(i) for i in indices]
    chosen = int(np.random.default_rng(study.seed).choice(pool))
    return chosen, np.asarray(study.corpus.melodies[chosen][:steps])


def state_batch(study: Study, per_side: int, window: int) -> dict:
    """The (seeded) training windows for the hidden-state tests: at least :data:`~melodyreg.constants.STATE_SEQUENCES`
    windows, and enough to give ``per_side`` states."""
    count = max(C.STATE_SEQUENCES, int(np.ceil(per_side / window)))
    return Batcher(study.melodies("train"), window, count, study.seed).batch(0)
