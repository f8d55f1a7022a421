"""Every measure of the evaluation chapter, for every run of a study, as tidy tables.

:func:`gather` visits each (strategy, seed) run once: it samples the poster's
melodies, scores held-out fit, tests its hidden states, traces the exposure-bias
curve and compares its melodies with real ones. The sensitivity runs get the
cheaper subset (fit, samples, hidden-state test). Every random choice is keyed
by the run's seed, so the tables repeat exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from melodyreg import constants as C
from melodyreg.evaluation import measures
from melodyreg.model import generation, training
from melodyreg.data.melodies import decode
from melodyreg.model.network import build
from melodyreg.runs.study import Study, final_train_loss, state_batch


@dataclass
class Evidence:
    """The tables behind the evaluation chapter.

    Attributes:
        runs: one row per (strategy, seed): held-out fit by kind of event, final
            training loss, training seconds, sample log-likelihood (Magenta's,
            mean over the melodies, and per sampled event), hidden-state AUC and
            MMD with its p-value.
        exposure: per (strategy, seed, prefix): NLL after real and own prefixes, and the gap.
        features: per (strategy, seed, feature): overlap and KL against held-out melodies.
        reference_features: the same for real training melodies against the held-out ones
            (how close two samples of real music come).
        sensitivity: one row per swept setting with the measures of ``runs``.
    """

    runs: pd.DataFrame
    exposure: pd.DataFrame
    features: pd.DataFrame
    reference_features: pd.DataFrame
    sensitivity: pd.DataFrame


def _windows(melodies, steps: int, count: int, seed: int) -> list[list[int]]:
    """Up to ``count`` melodies (seeded choice among those long enough), cut to their first ``steps`` events."""
    long = [m for m in melodies if len(m) >= steps]
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(long), size=min(count, len(long)), replace=False) if long else []
    return [decode(long[i][:steps]) for i in sorted(picks)]


def _shared_model(run, models: dict):
    """``run``'s weights in the one model object kept per architecture (compiled functions trace once)."""
    key = (run.config.model.layers, run.config.model.num_classes)
    if key not in models:
        models[key] = build(run.config.model)
    return run.load_into(models[key])


def measure_run(run, study: Study, *, held_out: dict, state_batch: dict, num: int, steps: int,
                temperature: float, per_side: int, permutations: int, models: dict | None = None,
                ) -> tuple[dict, generation.Generated]:
    """The scalar measures of one run (see :attr:`Evidence.runs`) and its generated melodies.

    Args:
        models: a cache of model objects by architecture, shared across calls (see :func:`gather`).
    """
    model, seed = _shared_model(run, {} if models is None else models), run.config.seed
    row = {"strategy": run.config.strategy.name, "seed": seed, "train_loss": final_train_loss(run.history),
           "seconds": run.seconds, **measures.heldout_fit(model, held_out)}
    sampled = generation.generate(model, num=num, steps=steps, temperature=temperature, seed=seed)
    row["log_likelihood"] = float(sampled.log_likelihood.mean())
    row["log_likelihood_per_event"] = float(sampled.log_probs.mean())
    states, mask = generation.teacher_forced_hidden(model, state_batch)
    rng = np.random.default_rng(seed)
    teacher, free = states[mask], sampled.hidden.reshape(-1, sampled.hidden.shape[-1])
    # the sequence each state belongs to: a training window, or a generated melody
    teacher_groups = np.broadcast_to(np.arange(mask.shape[0])[:, None], mask.shape)[mask]
    free_groups = np.repeat(np.arange(sampled.hidden.shape[0]), sampled.hidden.shape[1])
    keep_t = rng.choice(len(teacher), size=min(per_side, len(teacher)), replace=False)
    keep_f = rng.choice(len(free), size=min(per_side, len(free)), replace=False)
    tested = measures.two_sample(teacher[keep_t], free[keep_f], groups=(teacher_groups[keep_t], free_groups[keep_f]),
                                 seed=seed, permutations=permutations)
    row.update({"state_auc": tested["auc"], "state_accuracy": tested["accuracy"], "mmd": tested["mmd"],
                "mmd_p": tested["mmd_p"]})
    return row, sampled


def gather(study: Study, *, num: int = 10, steps: int = 128, temperature: float = 1.0, per_side: int = 1000,
           permutations: int = 200, reference_melodies: int = 100, prefixes=(1, 8, 16, 32, 64),
           continuation: int = 32, exposure_melodies: int = 128, progress: bool = True) -> Evidence:
    """Measure every run of ``study`` (see :class:`Evidence`).

    Args:
        num, steps, temperature: the generated melodies per run (the poster's 10 × 128 at 1.0).
        per_side: hidden states per side in the two-sample tests.
        permutations: permutations of the MMD test.
        reference_melodies: held-out melodies (cut to ``steps``) the generated ones are compared with.
        prefixes, continuation, exposure_melodies: the exposure-bias curve (:func:`measures.exposure_curve`).
    """
    window = study.runs[next(iter(study.runs))].config.train.window
    held_out = training.eval_windows(study.melodies("eval"), window, limit=10**9)
    states = state_batch(study, per_side, window)
    reference = _windows(study.melodies("eval"), steps, reference_melodies, study.seed)
    options = {"held_out": held_out, "state_batch": states, "num": num, "steps": steps,
               "temperature": temperature, "per_side": per_side, "permutations": permutations, "models": {}}
    rows, exposure, feature_rows = [], [], []
    for (name, seed), run in tqdm(study.seed_runs.items(), desc="measuring runs", disable=not progress):
        row, sampled = measure_run(run, study, **options)
        rows.append(row)
        curve = measures.exposure_curve(_shared_model(run, options["models"]), study.melodies("eval"),
                                        prefixes=prefixes,
                                        continuation=continuation, num=exposure_melodies, seed=seed)
        exposure.append(curve.assign(strategy=name, seed=seed))
        generated = [sampled.events(i) for i in range(len(sampled.classes))]
        feature_rows.append(measures.feature_comparison(generated, reference).assign(strategy=name, seed=seed))
    real = _windows(study.melodies("train"), steps, num, study.seed)
    reference_features = measures.feature_comparison(real, reference).assign(strategy="real (training melodies)")
    sweep_rows = []
    for item in tqdm(study.sensitivity, desc="measuring sweeps", disable=not progress):
        row, _ = measure_run(item["run"], study, **options)
        sweep_rows.append({"knob": item["knob"], "setting": item["setting"], "default": item["default"], **row})
    return Evidence(pd.DataFrame(rows), pd.concat(exposure, ignore_index=True),
                    pd.concat(feature_rows, ignore_index=True), reference_features, pd.DataFrame(sweep_rows))


def label(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its ``strategy`` names replaced by their display labels."""
    return frame.assign(strategy=frame["strategy"].map(lambda s: C.STRATEGY_LABELS.get(s, s)))


def interval_table(runs: pd.DataFrame, columns: dict[str, str], digits: int = 3) -> pd.DataFrame:
    """Per strategy (display label), each of ``columns`` (name → heading) as ``mean [low, high]`` over seeds."""
    from melodyreg.evaluation import intervals

    table = {}
    for name, heading in columns.items():
        summary = intervals.summarise(runs, name).set_index("strategy")
        table[heading] = {s: intervals.format_ci(r["mean"], r["low"], r["high"], digits) for s, r in summary.iterrows()}
    frame = pd.DataFrame(table)
    frame.insert(0, "seeds", runs.groupby("strategy").size())
    return label(frame.rename_axis("strategy").reset_index())


def paired_table(runs: pd.DataFrame, columns: dict[str, str], digits: int = 3) -> pd.DataFrame:
    """Per strategy but the baseline: each of ``columns`` as the paired difference to the baseline."""
    from melodyreg.evaluation import intervals

    table = {}
    for name, heading in columns.items():
        diff = intervals.paired(runs, name).set_index("strategy")
        table[heading] = {s: intervals.format_ci(r["difference"], r["low"], r["high"], digits)
                          for s, r in diff.iterrows()}
    return label(pd.DataFrame(table).rename_axis("strategy").reset_index())


def likelihood_table(runs: pd.DataFrame) -> pd.DataFrame:
    """The poster's "log likelihood" column beside ours (mean [interval] over seeds) and the held-out NLL."""
    table = interval_table(runs, {"log_likelihood": "ours: log-likelihood of a generated melody",
                                  "log_likelihood_per_event": "ours: per sampled event",
                                  "nll": "held-out NLL per event"}, digits=3)
    names = {C.STRATEGY_LABELS[k]: v for k, v in C.POSTER_LOG_LIKELIHOOD.items()}
    table.insert(1, "poster", table["strategy"].map(names))
    return table


def feature_overview(found: Evidence) -> pd.DataFrame:
    """Mean overlap per (strategy label, feature) over seeds, with the real-vs-real reference as one more set."""
    overlap = label(found.features).groupby(["strategy", "feature"], as_index=False)["overlap"].mean()
    return pd.concat([overlap, found.reference_features[["strategy", "feature", "overlap"]]], ignore_index=True)
