"""The evaluation's comparison, from a chapter's parameters cell: tuned, trained at every seed, measured once.

One pipeline serves every chapter that reads the final comparison:
:func:`final_study` prepares the study (:func:`melodyreg.runs.study.from_parameters`),
chooses each strategy's setting on the validation split
(:func:`melodyreg.evaluation.tuning.tune`) and trains the choices at every seed
(:func:`melodyreg.runs.study.train_final`); :func:`evaluate` then measures every run
(:func:`melodyreg.evaluation.evidence.gather`), sweeps the temperatures, maps the
verdicts across the tuning settings, times the training steps and judges the claims,
each once, into a :class:`Comparison` that the chapter only shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from melodyreg import console, protocol
from melodyreg.evaluation import claims, frontier, intervals, speed
from melodyreg.evaluation.evidence import Evidence, gather
from melodyreg.evaluation.tuning import Tuning, robustness, tune
from melodyreg.runs import store
from melodyreg.runs import study as studies
from melodyreg.runs.study import Study

# The parameters of the evaluation chapter that say what is measured (beside the study's own).
MEASURE_PARAMETERS = ("num_melodies", "melody_steps", "temperature", "tsne_states")


@dataclass
class Comparison:
    """Everything the evaluation chapter shows, computed once.

    Attributes:
        study: the study with its final comparison trained.
        tuning: the tuning runs scored on validation data and each rule's choice.
        evidence: every run's measures (:class:`~melodyreg.evaluation.evidence.Evidence`).
        per_side: hidden states per side in the t-SNE panels and the two-sample tests.
        sweep: the temperature sweep of the NLL rule's runs (:func:`melodyreg.evaluation.frontier.sweep`).
        lengths: melodies of each length at temperature 1 (:func:`melodyreg.evaluation.frontier.length_points`).
        sweep_melodies: melodies per run and temperature in ``sweep``.
        length_melodies: melodies per run and length in ``lengths``.
        frontier: whether each regularizer beats the temperature-tuned baseline
            (:func:`melodyreg.evaluation.frontier.verdicts`).
        robustness: every claim at every tuning setting (empty without a grid).
        timings: step times at the settings the NLL rule chose.
        verdicts: the poster's claims judged at the NLL rule's settings.
        quality_verdicts: the same at the quality rule's settings (``None`` when that rule
            did not choose a setting for every strategy).
    """

    study: Study
    tuning: Tuning
    evidence: Evidence
    per_side: int
    sweep: pd.DataFrame
    lengths: pd.DataFrame
    sweep_melodies: int
    length_melodies: int
    frontier: pd.DataFrame
    robustness: pd.DataFrame
    timings: pd.DataFrame
    verdicts: pd.DataFrame
    quality_verdicts: pd.DataFrame | None

    @property
    def coverage(self) -> str:
        """What the intervals over the study's seeds are worth, for captions
        (:func:`melodyreg.evaluation.intervals.coverage_note`)."""
        return intervals.coverage_note(len(self.study.seeds))

    @property
    def nll_runs(self) -> pd.DataFrame:
        """The measures of the final comparison's runs at the settings the NLL rule chose."""
        return rule_runs(self.evidence.runs, "nll")

    @property
    def quality_runs(self) -> pd.DataFrame:
        """The measures of the final comparison's runs at the settings the quality rule chose."""
        return rule_runs(self.evidence.runs, "quality")


def rule_runs(measured: pd.DataFrame, rule: str) -> pd.DataFrame:
    """The rows of ``measured`` (one per rule, strategy and seed) under selection ``rule``."""
    return measured[measured["rule"] == rule]


def tsne_states(profile: str, requested: int | None = None) -> int:
    """Hidden states per side in the t-SNE panels and two-sample tests: ``requested``, or the profile's.

    Raises:
        ValueError: an unknown profile, or a count below 1.
    """
    if requested is not None:
        if requested < 1:
            raise ValueError(f"tsne_states must be at least 1, got {requested}")
        return int(requested)
    if profile not in protocol.TSNE_STATES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {sorted(protocol.TSNE_STATES)}")
    return protocol.TSNE_STATES[profile]


def final_study(parameters: Mapping[str, object]) -> tuple[Study, Tuning]:
    """The study of a chapter's parameters with its final comparison trained, and the tuning behind it.

    Args:
        parameters: the chapter's parameters by name (see :func:`melodyreg.runs.study.from_parameters`);
            ``melody_steps`` sets the length of the melodies that score sample quality.
    """
    first = studies.from_parameters(parameters)
    tuning = tune(first, steps=int(parameters.get("melody_steps", 128)))
    return studies.train_final(first, tuning.selected), tuning


def every_run(study: Study) -> list[store.Run]:
    """Every run of ``study``: the default runs, the tuning grid, professor forcing's designs, the final
    comparison, professor forcing as published and the baseline runs SeqGAN started from (a run that serves two
    roles is listed for each)."""
    runs = [
        *study.runs.values(),
        *(item["run"] for item in study.grid),
        *study.designs.values(),
        *study.final.values(),
        *study.published.values(),
    ]
    return runs + [base for run in runs if (base := studies.pretraining_run(study, run)) is not None]


def quality_verdicts(measured: pd.DataFrame, study: Study, timings: pd.DataFrame) -> pd.DataFrame | None:
    """The claims judged at the settings the quality rule chose, or ``None`` where it did not set every strategy.

    A setting both rules chose keeps the NLL rule's timings (timed once).
    """
    nll, quality = rule_runs(measured, "nll"), rule_runs(measured, "quality")
    if not len(quality) or set(quality.strategy) != set(nll.strategy):
        return None
    return claims.verdicts(quality, speed.step_times(study, rule="quality", reuse=timings))


def evaluate(parameters: Mapping[str, object]) -> Comparison:
    """The evaluation chapter's comparison from its parameters cell (see the module docstring).

    Args:
        parameters: the chapter's parameters by name: the study's (:func:`final_study`) and
            :data:`MEASURE_PARAMETERS`.

    Raises:
        KeyError: a parameter is missing, named in the message.
    """
    missing = [name for name in MEASURE_PARAMETERS if name not in parameters]
    if missing:
        raise KeyError(f"the parameters lack {', '.join(missing)}")
    final, tuning = final_study(parameters)
    per_side = tsne_states(final.profile, parameters["tsne_states"])
    steps = int(parameters["melody_steps"])
    evidence = gather(
        final,
        num=int(parameters["num_melodies"]),
        steps=steps,
        temperature=float(parameters["temperature"]),
        per_side=per_side,
    )
    melodies = protocol.SWEEP_MELODIES[final.profile]
    # progress on the terminal, as training reports its runs: these stages take minutes at `full`
    swept, lengths = frontier.study_frontier(final, num=melodies, steps=steps, progress=console.say)
    robust = robustness(final, evidence)
    console.say("timing each strategy's training step")
    timings = speed.step_times(final)
    return Comparison(
        study=final,
        tuning=tuning,
        evidence=evidence,
        per_side=per_side,
        sweep=swept,
        lengths=lengths,
        sweep_melodies=melodies,
        length_melodies=frontier.length_melodies(melodies),
        frontier=frontier.verdicts(swept),
        robustness=robust,
        timings=timings,
        verdicts=claims.verdicts(rule_runs(evidence.runs, "nll"), timings),
        quality_verdicts=quality_verdicts(evidence.runs, final, timings),
    )
