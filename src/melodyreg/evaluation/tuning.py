"""The tuned comparison: each strategy's setting chosen on the validation split, and how far verdicts depend on it.

:func:`tune` scores every tuning run (one per strategy and setting, at the study's
first seed) on the validation split, never on the test split:

* **validation NLL** per event, teacher-forced, at the final iterate (the poster's
  checkpoint) and at the best validation checkpoint; the NLL rule chooses by the
  final iterate, so every strategy is judged at the same point of training;
* **validation sample quality**: the mean Yang & Lerch overlap, over the nine
  features, of the run's generated melodies with validation melodies.

:func:`select` applies a rule: the lowest NLL, or the highest quality (ties go to
the first setting of the grid). :func:`robustness` recomputes every claim at every
setting of the grid, one seed each, against the other strategies at their chosen
settings: where a verdict would flip. Those are not verdicts (one seed), and the
chapter shows them beside the seed spread of the final comparison.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from melodyreg.data.windows import openings
from melodyreg.evaluation import claims, measures, significance
from melodyreg.evaluation.evidence import Evidence, history_measures, process_model
from melodyreg.model import generation
from melodyreg.runs import sweep
from melodyreg.runs.study import Study, validation_nll, validation_windows

RULES = {"nll": ("valid_nll", "min"), "quality": ("valid_quality", "max")}  # rule → (column, best is)
NO_GRID = (
    "this profile trains one setting per strategy, so no verdict here can be checked against"
    " another setting; the full profile checks each one."
)


@dataclass
class Tuning:
    """The tuning runs scored on validation data, and each rule's choice per strategy.

    Attributes:
        table: one row per tuning run: ``strategy``, ``setting``, ``overrides`` (JSON),
            ``valid_nll`` (final iterate), ``valid_nll_best`` (best validation checkpoint),
            ``best_iteration``, ``valid_quality``, and the history measures of
            :func:`melodyreg.evaluation.evidence.history_measures`.
        selected: ``{rule: {strategy: overrides}}``.
    """

    table: pd.DataFrame
    selected: dict[str, dict[str, dict]] = field(default_factory=dict)


def tune(
    study: Study,
    *,
    num: int = 32,
    steps: int = 128,
    reference_melodies: int = 100,
    workers: int | None = None,
    progress: bool = True,
) -> Tuning:
    """Score every tuning run of ``study`` on the validation split and apply both rules (see module docstring).

    A study without a grid (the poster's protocol) keeps its default settings. The runs are scored side
    by side (:func:`score_run` on ``workers`` processes; default: the study's ``workers``, else one per core).
    """
    if not study.grid:
        return Tuning(pd.DataFrame(), dict(study.selected))
    valid = study.melodies("valid")
    window = study.grid[0]["run"].config.train.window
    shared = {
        "held_out": validation_windows(valid, window),
        "reference": openings(valid, steps, reference_melodies, study.seed),
        "num": num,
        "steps": steps,
    }
    options = study.options or {}
    scores = sweep.map_jobs(
        score_run,
        [item["run"] for item in study.grid],
        shared,
        workers=workers or options.get("workers"),
        scheduler=options.get("scheduler"),
        action="scoring",
        labels=[item["run"].config.label() for item in study.grid],
        progress=progress,
    )
    rows = [
        {
            "strategy": item["strategy"],
            "setting": item["setting"],
            "overrides": json.dumps(item["overrides"], sort_keys=True),
            **score,
        }
        for item, score in zip(study.grid, scores, strict=True)
    ]
    table = pd.DataFrame(rows)
    return Tuning(table, choices(table, study.baseline_choice))


def choices(table: pd.DataFrame, baseline_choice: dict | None = None) -> dict[str, dict[str, dict]]:
    """Both rules' choices (:func:`select`). The NLL rule's choice for the baseline is ``baseline_choice`` when
    the study made it already (:func:`melodyreg.runs.study.seqgan_start`, by the same measure): SeqGAN's runs
    start from that baseline, so the baseline's final runs must be the same ones, even where a near tie
    scored again could fall the other way in the last bits."""
    chosen = {rule: select(table, rule) for rule in RULES}
    if baseline_choice is not None and "baseline" in chosen["nll"]:
        chosen["nll"]["baseline"] = dict(baseline_choice)
    return chosen


def score_run(run, *, held_out: dict, reference: list, num: int, steps: int) -> dict:
    """One tuning run on the validation split: NLL at the final iterate and the best checkpoint, sample quality
    (``num`` melodies of ``steps`` against the ``reference`` openings) and its history measures; here or on
    a worker (:func:`melodyreg.runs.sweep.map_jobs`)."""
    model = process_model(run)
    nll = validation_nll(model, held_out)  # as seqgan_start ranks the baseline's settings
    sampled = generation.generate(model, num=num, steps=steps, seed=run.config.seed)
    generated = [sampled.events(i) for i in range(num)]
    quality = float(measures.feature_comparison(generated, reference)["overlap"].mean())
    run.load_into(model, "best")
    best = validation_nll(model, held_out)
    return {"valid_nll": nll, "valid_nll_best": best, "valid_quality": quality, **history_measures(run)}


def select(table: pd.DataFrame, rule: str) -> dict[str, dict]:
    """Each strategy's chosen setting under ``rule`` (``nll`` or ``quality``), as its overrides.

    Raises:
        ValueError: an unknown rule, or a measure that is missing for every setting of a strategy.
    """
    if rule not in RULES:
        raise ValueError(f"unknown selection rule {rule!r}; choose one of {sorted(RULES)}")
    column, best = RULES[rule]
    chosen = {}
    for name, rows in table.groupby("strategy", sort=False):
        values = rows[column].to_numpy(dtype=float)
        if np.isnan(values).all():
            raise ValueError(f"no {column} for any setting of {name!r}")
        index = int(np.nanargmin(values) if best == "min" else np.nanargmax(values))  # the first of equals
        chosen[name] = json.loads(rows["overrides"].iloc[index])
    return chosen


def robustness(study: Study, evidence: Evidence) -> pd.DataFrame:
    """Every claim's comparison at every tuning setting, at one seed, beside the seed spread of the final comparison.

    For a setting of strategy X, the claim is recomputed with X at that setting and
    every other strategy at its NLL-chosen setting (their tuning runs, same seed).

    Returns:
        One row per (claim, strategy, setting) where the claim involves the strategy:
        ``claim``, ``brief`` (its few words for a chart's axis), ``strategy``, ``setting``,
        ``overrides`` (the setting as JSON), ``selected`` (the NLL rule's choice),
        ``margin`` (the claim's smallest signed margin; positive: it goes the claimed
        way), ``holds``, ``seed_spread`` (the standard deviation of the margin over
        the final comparison's seeds; NaN below two seeds), ``final_low`` and
        ``final_high`` (its 95 % t-interval over those seeds), ``chance_below`` and
        ``chance_above`` (how likely one more such seed lands beyond that interval on
        the far side of zero) and ``seeds`` = 1.
    """
    if evidence.grid.empty:
        return pd.DataFrame()
    grid = evidence.grid[evidence.grid.seed == study.seed]
    chosen = grid[grid.selected.str.contains("nll")].drop_duplicates("strategy").set_index("strategy")
    final = evidence.runs[evidence.runs.rule == "nll"]
    rows = []
    for claim in claims.CLAIMS:
        involved = claims.involved(claim)
        if claim.source != "runs" or claim.secondary or not involved <= set(final.strategy):
            continue
        margins = [claims.direction(claim, final[final.seed == s])[0] for s in sorted(set(final.seed))]
        spread = float(np.std(margins, ddof=1)) if len(margins) > 1 else float("nan")
        bounds = _flip_bounds(margins)
        for _, row in grid.iterrows():
            if row["strategy"] not in involved:
                continue
            others = chosen.drop(index=row["strategy"], errors="ignore").reset_index()
            frame = pd.concat([others, row.to_frame().T], ignore_index=True)
            margin, holds = claims.direction(claim, frame)
            rows.append(
                {
                    "claim": claim.text,
                    "brief": claim.brief,
                    "strategy": row["strategy"],
                    "setting": row["setting"],
                    "overrides": row["overrides"],
                    "selected": "nll" in row["selected"],
                    "margin": margin,
                    "holds": holds,
                    "seed_spread": spread,
                    **bounds,
                    "seeds": 1,
                }
            )
    return pd.DataFrame(rows)


def _flip_bounds(margins: list[float]) -> dict[str, float]:
    """The final comparison's 95 % t-interval of a claim's margin over seeds, and the chance that one more
    seed like them lands beyond it on the far side of zero, below and above (a normal with their mean and
    spread); NaN below two seeds."""
    if len(margins) < 2:
        return dict.fromkeys(("final_low", "final_high", "chance_below", "chance_above"), float("nan"))
    mean, low, high = significance.t_interval(margins)
    spread = float(np.std(margins, ddof=1))
    if spread == 0:
        below, above = float(min(low, 0.0) > mean), float(max(high, 0.0) < mean)
    else:
        below = float(stats.norm.cdf((min(low, 0.0) - mean) / spread))
        above = float(stats.norm.sf((max(high, 0.0) - mean) / spread))
    return {"final_low": low, "final_high": high, "chance_below": below, "chance_above": above}


def flips(table: pd.DataFrame) -> pd.DataFrame:
    """Per claim: how many settings keep its direction, and where it flips, read per strategy.

    Returns:
        ``claim``, ``settings``, ``holds at`` (a count) and ``reading``: for each strategy
        whose settings split the claim, a threshold such as ``ss_k ≥ 650 holds; ss_k ≤ 500
        flips`` when one knob orders its settings (see :func:`reading`), else the lists.
    """
    rows = []
    for claim, group in table.groupby("claim", sort=False):
        held = group.holds.astype(bool)
        split = [
            f"{name}: {reading(rows)}"
            for name, rows in group.groupby("strategy", sort=False)
            if 0 < rows.holds.astype(bool).sum() < len(rows)
        ]
        if not split and (held.all() or not held.any()):
            split = ["holds at every setting" if held.all() else "flips at every setting"]
        elif not split:  # each strategy keeps one direction, but not all the same one
            split = [
                f"{name}: {'holds' if rows.holds.astype(bool).all() else 'flips'} at every setting"
                for name, rows in group.groupby("strategy", sort=False)
            ]
        rows.append({"claim": claim, "settings": len(group), "holds at": int(held.sum()), "reading": "; ".join(split)})
    return pd.DataFrame(rows)


def reading(rows: pd.DataFrame) -> str:
    """Where one strategy's settings keep a claim's direction, as a threshold when one knob orders them.

    The ordering knob is :func:`ordering_knob`; when the claim changes
    direction once along it, the reading is a threshold (``ss_k ≤ 500 flips, ≥ 650 holds``), otherwise
    the values on each side. Settings off that axis (a floor, the default) are listed by label.

    Args:
        rows: rows of :func:`robustness` for one claim and strategy
            (``setting``, ``overrides`` as JSON, ``holds``).
    """
    settings = [json.loads(text) for text in rows.overrides]
    knob = ordering_knob(settings)
    on_axis = [knob is not None and len(o) == 1 and knob in o for o in settings]
    held = rows.holds.astype(bool).to_numpy()
    parts = []
    if any(on_axis):
        values = np.array([o[knob] for o, on in zip(settings, on_axis) if on], dtype=float)
        holds = held[np.array(on_axis)]
        order = np.argsort(values)
        values, holds = values[order], holds[order]
        changes = int(np.sum(holds[1:] != holds[:-1]))
        if changes == 0:
            parts.append(f"{'holds' if holds[0] else 'flips'} for every {knob}")
        elif changes == 1:
            cut = int(np.argmax(holds[1:] != holds[:-1])) + 1
            low, high = "holds" if holds[0] else "flips", "holds" if holds[-1] else "flips"
            parts.append(f"{knob} ≤ {values[cut - 1]:g} {low}, ≥ {values[cut]:g} {high}")
        else:
            kept = ", ".join(f"{v:g}" for v in values[holds]) or "none"
            lost = ", ".join(f"{v:g}" for v in values[~holds]) or "none"
            parts.append(f"{knob} = {kept} holds, = {lost} flips")
    off = [(label, h) for label, h, on in zip(rows.setting, held, on_axis) if not on]
    for word, want in (("holds", True), ("flips", False)):
        labels = [label for label, h in off if h == want]
        if labels:
            parts.append(f"{word} at {' | '.join(labels)}")
    return "; ".join(parts)


def ordering_knob(settings: list[dict]) -> str | None:
    """The knob that orders a strategy's settings: the numeric field that at least three single-field settings
    set (the most such; the first of equals), e.g. ``ss_k``; ``None`` if there is none."""
    single = [next(iter(o.items())) for o in settings if len(o) == 1]
    numeric = [key for key, value in single if isinstance(value, (int, float)) and not isinstance(value, bool)]
    knob = max(dict.fromkeys(numeric), key=numeric.count) if numeric else None
    return knob if knob is not None and numeric.count(knob) >= 3 else None


def _direction(group: pd.DataFrame) -> bool:
    """Whether one claim goes its claimed way in the final comparison (the mean margin over its seeds, the
    centre of its t-interval); with fewer than two seeds there, at the chosen settings' own rows."""
    low, high = float(group.final_low.iloc[0]), float(group.final_high.iloc[0])
    if np.isfinite(low) and np.isfinite(high):
        return (low + high) / 2 > 0
    chosen = group[group.selected.astype(bool)]
    return bool(chosen.holds.astype(bool).all()) if len(chosen) else True


def decisive(group: pd.DataFrame) -> pd.DataFrame:
    """The rows of one claim whose setting reverses the final comparison's direction beyond its interval: on
    the far side of zero and outside the 95 % t-interval of the claim's margin over seeds. The chosen
    settings' own rows are one more seed of that comparison, not another setting, so they never count."""
    direction = _direction(group)
    against = group[(group.holds.astype(bool) != direction) & ~group.selected.astype(bool)]
    if direction:
        edge = np.minimum(against.final_low.fillna(0.0), 0.0)
        return against[against.margin < edge]
    edge = np.maximum(against.final_high.fillna(0.0), 0.0)
    return against[against.margin > edge]


def by_chance(group: pd.DataFrame) -> float:
    """How many of one claim's non-chosen rows would reverse it as :func:`decisive` reads a reversal if each
    were just one more seed of the final comparison (the sum of their chances)."""
    others = group[~group.selected.astype(bool)]
    column = "chance_below" if _direction(group) else "chance_above"
    return float(others[column].fillna(0.0).sum())


def hinges(table: pd.DataFrame) -> pd.DataFrame:
    """Per claim: does its direction in the final comparison survive every other setting?

    A claim *hinges on a setting* when a setting, at its one seed, reverses the claim's direction beyond
    the final comparison's 95 % interval of the claim's margin (on the far side of zero). A seed like the
    final ones lands there too now and then; ``by chance`` says how many of the claim's rows would by
    chance alone, if no setting mattered. Otherwise the claim is *robust to the settings*.

    Returns:
        ``claim``, ``robust`` (bool), ``because`` (the settings that reverse it, or why it holds) and
        ``by chance`` (the expected number of such reversals with no effect of the setting).
    """
    rows = []
    for claim, group in table.groupby("claim", sort=False):
        reversing = decisive(group)
        because = (
            "; ".join(
                f"{name}: {setting} (margin {m:+.3g})"
                for name, setting, m in zip(reversing.strategy, reversing.setting, reversing.margin)
            )
            or "no setting reverses it beyond the final comparison's interval"
        )
        rows.append({"claim": claim, "robust": reversing.empty, "because": because, "by chance": by_chance(group)})
    return pd.DataFrame(rows)
