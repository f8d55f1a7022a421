"""What the evaluation chapter says: its tables' columns and headings, its sentences, its glued numbers.

The chapter (``book/06_evaluation.py``) shows a
:class:`~melodyreg.evaluation.comparison.Comparison`; everything it would otherwise
assemble in its cells lives here, so that a unit test reaches it: the column →
heading maps of its interval tables, the tables shaped for reading, the sentences
built from numbers (which protocol the build follows, AUCs below 0.5, the
frontier's winners, the exposure cost) and the values glued into its prose.
Strategies arrive by name and are turned into display labels here, in the report layer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from IPython.display import Markdown

from melodyreg import protocol
from melodyreg.evaluation import budget, claims, intervals, recorded, significance
from melodyreg.evaluation.comparison import Comparison, rule_runs
from melodyreg.evaluation.evidence import Evidence
from melodyreg.evaluation.tuning import Tuning
from melodyreg.prose import counted, joined, plain
from melodyreg.report import environment, observations, plots, sentences, tables
from melodyreg.report.sentences import strategy_name
from melodyreg.runs import study as studies

# Column → heading of each interval table (mean [interval] over seeds) of the chapter.
STATE_TESTS = {  # matched positions first (the claims' measures), then the poster's positions
    "matched_auc": "AUC",
    "matched_mmd": "MMD²",
    "matched_mmd_p": "MMD p-value",
    "matched_memo_auc": "memorization AUC",
    "state_auc": "AUC (poster's positions)",
    "mmd_p": "MMD p-value (poster's)",
    "memo_auc": "memorization AUC (poster's)",
}
TUNING = {  # the tuning table's measures (one run each); headings break between words, so the table fits
    "valid_nll": "valid NLL (final)",
    "valid_nll_best": "valid NLL (best)",
    "valid_quality": "valid quality",
    "best_iteration": "best iteration",
    "gate_open": "gate open",
    "d_accuracy": "discriminator accuracy",
    "own_input_share": "own-input share",
}
FIT = {
    "nll": "NLL / event",
    "perplexity": "perplexity",
    "accuracy": "accuracy",
    "accuracy_note": "accuracy: notes",
    "accuracy_no_event": "accuracy: NO_EVENT",
    "accuracy_note_off": "accuracy: NOTE_OFF",
    "train_loss": "training loss",
}
PAIRED = {
    "nll": "Δ NLL / event",
    "accuracy_note": "Δ accuracy: notes",
    "train_loss": "Δ training loss",
    "matched_auc": "Δ hidden-state AUC",
}
FEATURE_COMPARISONS = {
    "overlap": "real intra vs inter (overlap)",
    "kl": "real intra vs inter (KL)",
    "overlap_intra": "real intra vs generated intra",
    "overlap_gen_inter": "generated intra vs inter",
}
DIVERSITY = {
    "overlap": "quality: overlap",
    "cross_nll": "quality: NLL under another seed's baseline",
    "intra_ratio": "diversity: intra-set ratio",
    "overlap_intra": "diversity: intra-set overlap",
    "distinct_4grams": "diversity: distinct interval 4-grams",
}
LENGTHS = {
    "cross_nll": "NLL under another seed's baseline",
    "own_ll_per_event": "own log-likelihood per event",
    "distinct_4grams": "distinct interval 4-grams",
}
EXPOSURE = {
    "real": "after real beginning",
    "other": "after another melody's",
    "own": "after its own",
    "excess": "excess (own − other)",
}
GENERALIZATION = {
    "train_nll": "training NLL",
    "nll": "test NLL",
    "gap": "gap (test − training)",
    "nll_best": "test NLL, best checkpoint",
}
CHANCE = 0.5  # the AUC of a classifier that cannot tell the two sides apart
# The evaluation chapter's parameters a recorded build keeps in its provenance (where and how it ran is kept apart).
RECORDED_PARAMETERS = (
    "seed",
    "num_seeds",
    "source",
    "path",
    "maestro_split",
    "iterations",
    "num_melodies",
    "melody_steps",
    "temperature",
    "tsne_states",
)
RULE_NAMES = {"nll": "validation NLL", "quality": "sample quality"}  # selection rules, as the tables name them


def protocol_line(c: Comparison) -> str:
    """Which protocol the build follows, with its runs and seeds and what its intervals are worth (Markdown)."""
    s = c.study
    seeds = ", ".join(map(str, s.seeds))
    if s.grid:
        plan = (
            f"{counted(len(s.grid), 'tuning run')} at seed {s.seed}, then {counted(len(s.seeds), 'fresh seed')} "
            f"per strategy ({seeds}, none a tuning run's) at each chosen setting; "
        )
    else:
        plan = (
            f"no tuning (the poster's protocol), {counted(len(s.seeds), 'seed')} per strategy ({seeds}) at its "
            "default setting; "
        )
    runs = len({run.folder for run in s.final.values()})
    note = c.coverage
    return f"Profile `{s.profile}`: {plan}{counted(runs, 'run')} in the final comparison. {note[0].upper()}{note[1:]}."


def opening_glue(c: Comparison, num_melodies: int, melody_steps: int) -> dict[str, object]:
    """The opening's glue: the generated melodies' count and length, what the tuning section cites, the
    fewest paired seeds a verdict takes, and how many training melodies the matched state tests read."""
    cited = (
        "{numref}`tbl-tuning` lists the tuning runs and {numref}`tbl-chosen` the setting each rule chose; "
        "{numref}`fig-budget` shows how the best validation NLL a strategy can expect grows with its budget. "
        "Professor forcing as published, whatever its budget chose, is in {numref}`tbl-published`."
        if len(c.tuning.table)
        else f"The `{c.study.profile}` profile follows the poster's protocol: one untuned setting per strategy. "
        "The `full` profile tunes every strategy with the same budget (`make book PROFILE=full`)."
    )
    return {
        "ll-count": f"{num_melodies}",
        "ll-steps": f"{melody_steps}",
        "tuning-cited": Markdown(cited),
        "min-seeds": f"{protocol.MIN_SEEDS}",
        "matched-melodies": f"{int(c.nll_runs.matched_melodies.min()):,}",
    }


def tuning_table(tuning: Tuning) -> pd.DataFrame | None:
    """The tuning runs for reading: display labels, every measure to four decimals under a heading of
    :data:`TUNING`, without the settings' JSON (``None`` without a tuning grid)."""
    if not len(tuning.table):
        return None
    return tables.label(tuning.table.drop(columns="overrides").round(4)).rename(columns=TUNING)


EDGE_COLUMN = "at the edge of the search"
EDGE_RULE = (
    f"the most extreme value a knob's draws reached, in the outer {budget.EDGE_SHARE * 100:g} % of its search range"
)


def chosen_settings(c: Comparison) -> pd.DataFrame:
    """The setting each rule chose per strategy (display labels), one column per rule, and a column naming
    the numeric knobs of those choices that sit at the edge of their search space (:func:`chosen_edges`)."""
    found = {rule: chosen_edges(c, rule) for rule in c.tuning.selected}
    rows = []
    for name in c.study.runs:
        at_edge: dict[str, list[str]] = {}  # a knob at the edge, and the rules whose choice it is
        for rule, edges in found.items():
            for row in edges[edges.strategy == name].itertuples():
                at_edge.setdefault(f"{row.knob} {row.chosen:g} ({row.side}est drawn; bound {row.bound:g})", []).append(
                    rule
                )
        rows.append(
            {
                "strategy": name,
                **{rule: studies.setting_label(picks[name]) for rule, picks in c.tuning.selected.items()},
                EDGE_COLUMN: "; ".join(f"{' and '.join(rules)}: {knob}" for knob, rules in at_edge.items()) or "no",
            }
        )
    return tables.label(pd.DataFrame(rows))


def chosen_edges(c: Comparison, rule: str = "nll") -> pd.DataFrame:
    """The settings ``rule`` chose that sit at the edge of their search space (see
    :func:`melodyreg.evaluation.budget.edges`); no rows without tuning."""
    return budget.edges(
        protocol.tuning_settings(c.study.profile, c.study.seed),
        c.tuning.selected.get(rule, {}),
        protocol.SEARCH.get(c.study.profile, {}),
    )


def below_chance(runs: pd.DataFrame) -> str:
    """Why an AUC below 0.5 reads as *indistinguishable*, naming the strategies whose mean AUC is below it."""
    poster = "at the poster's positions"
    names = {
        "matched_auc": "AUC",
        "matched_memo_auc": "memorization AUC",
        "state_auc": f"AUC {poster}",
        "memo_auc": f"memorization AUC {poster}",
    }
    aucs = runs.groupby("strategy", sort=False)[[key for key in names if key in runs]].mean()
    below = [
        f"{strategy_name(name)}'s {names[column]} ({aucs.loc[name, column]:.3f})"
        for column in aucs
        for name in aucs.index[aucs[column] < CHANCE]
    ]
    found = (
        f"Below 0.5 on average here: {', '.join(below)}. Read such a value as *indistinguishable*, not as "
        "better than indistinguishable."
        if below
        else "No AUC in the table is below 0.5 on average here."
    )
    return (
        "An AUC below 0.5 is not a classifier that learned the sides backwards. When there is nothing to "
        "separate, cross-validation itself pulls the AUC below 0.5: each held-out fold's sequences are missing "
        "from its training folds, so the classifier leans a little toward the other side, and its held-out "
        "scores are tipped against the truth. " + found
    )


def held_out_glue(c: Comparison) -> dict[str, str]:
    """The baseline's last validation loss beside its test NLL, both of one run (the final comparison's first
    seed), and how the validation was measured."""
    seed = c.study.seeds[0]
    run = c.study.final[("nll", "baseline", seed)]
    history = run.history
    runs = c.nll_runs
    first = runs[(runs.strategy == "baseline") & (runs.seed == seed)]
    train = run.config.train
    return {
        "curve-end-baseline": f"{history[history.phase == 'eval'].loss.iloc[-1]:.3f}",
        "test-nll-baseline-first": f"{first.nll.iloc[0]:.3f}",
        "eval-windows": f"{train.eval_windows:,}",
        "eval-every": f"{train.eval_every:,}",
        "eval-window": f"{train.window:,}",
    }


def fit_note(runs: pd.DataFrame) -> str:
    """The observations on the fit table: a collapse onto holding notes, and NOTE_OFF's accuracy."""
    return observations.collapse(runs) + " " + observations.note_off(runs)


def feature_comparisons(evidence: Evidence) -> pd.DataFrame:
    """Yang and Lerch's three comparisons per strategy, each averaged over the features per run, as intervals."""
    per_run = evidence.features.groupby(["strategy", "seed"], as_index=False, sort=False)[list(FEATURE_COMPARISONS)]
    return tables.interval_table(per_run.mean(), FEATURE_COMPARISONS)


def reference_note(evidence: Evidence) -> str:
    """The overlap and KL that two samples of real music reach (Markdown)."""
    real = evidence.reference_features
    return (
        f"Real training melodies against the same held-out ones: mean overlap **{real.overlap.mean():.3f}**, "
        f"mean KL **{real.kl.mean():.3f}**."
    )


def lengths_table(lengths: pd.DataFrame) -> pd.DataFrame:
    """The length points as intervals, one block of rows per melody length (``steps`` second)."""
    table = pd.concat(
        [
            tables.interval_table(lengths[lengths.steps == n], LENGTHS).assign(steps=n)
            for n in sorted(lengths.steps.unique())
        ],
        ignore_index=True,
    )
    table.insert(1, "steps", table.pop("steps"))
    return table


def lengths_caption(c: Comparison) -> str:
    """The caption of the length table: its lengths, melodies per run, and a warning when the sweep drew more."""
    steps = joined([str(n) for n in sorted(c.lengths.steps.unique())])
    fewer = c.length_melodies < c.sweep_melodies
    return (
        f"Melodies of {steps} steps at temperature 1 ({counted(c.length_melodies, 'melody', 'melodies')} per run "
        f"and length; mean [interval]; {c.coverage}): a long melody reads more of its own output, so exposure "
        "bias, if it matters, should show as a worse NLL or log-likelihood per event at the longer length. The "
        "distinct 4-gram share falls with length by construction (more patterns from the same small vocabulary), "
        "so compare it between strategies at one length, not across lengths"
        + (
            "; with fewer melodies per run than the temperature sweep, its values at 128 steps differ from those "
            "of the table above."
            if fewer
            else "."
        )
    )


def frontier_note(c: Comparison) -> str:
    """Which regularizers beat the temperature-tuned baseline, or why the frontier is untested (Markdown)."""
    table = c.frontier
    if not (table.seeds >= protocol.MIN_SEEDS).any():
        return (
            f"With {counted(len(c.study.seeds), 'seed')} the frontier verdicts are untested; the `full` profile "
            "trains five."
        )
    winners = [strategy_name(name) for name in table[table.verdict == "yes"].strategy]
    if not winners:
        return "No regularizer beats the temperature-tuned baseline at this profile."
    verb = "beats" if len(winners) == 1 else "beat"
    return (
        f"{joined(winners).capitalize()} {verb} the temperature-tuned baseline at the temperature chosen on "
        "validation melodies (see the table for which)."
    )


def longest_exposure(exposure: pd.DataFrame) -> pd.DataFrame:
    """The exposure-bias rows after the longest beginning."""
    return exposure[exposure.prefix == exposure.prefix.max()]


def exposure_note(exposure: pd.DataFrame) -> str:
    """The excess cost per strategy after the longest beginning, against the baseline (Markdown)."""
    longest = longest_exposure(exposure)
    means = longest.groupby("strategy", sort=False).excess.mean()
    return (
        f"After {counted(int(longest.prefix.max()), 'step')} of its own, the excess cost is "
        + ", ".join(f"{strategy_name(name)} **{value:.3f}**" for name, value in means.items())
        + " nats per event. "
        + observations.against_baseline(longest, "excess")
        + " Scheduled sampling and professor forcing were built to lower it; dropout was not."
    )


def verdict_seeds_note(c: Comparison, rule: str = "nll") -> str:
    """What the paired t-intervals of a rule's verdicts (and of the frontier, at the NLL rule) are worth, per
    number of seeds its strategies have, most first (:func:`~melodyreg.report.sentences.t_interval_note`)."""
    counts = sorted({int(n) for n in rule_runs(c.evidence.runs, rule).groupby("strategy").seed.nunique()}, reverse=True)
    return "; ".join(sentences.t_interval_note(n) for n in counts)


def cited_glue(c: Comparison) -> dict[str, Markdown]:
    """What the prose of the settings and claims sections cites: tables that exist only at a profile that tunes."""
    profile = c.study.profile
    settings = (
        "{numref}`fig-robustness` maps every claim at every setting, {numref}`tbl-flips` says where each holds "
        "and where it flips, {numref}`tbl-hinges` which claims hinge on a setting, and {numref}`tbl-robustness` "
        "lists every margin."
        if len(c.robustness)
        else f"The `{profile}` profile has no tuning settings to vary; the `full` profile does."
    )
    quality = (
        "{numref}`tbl-verdicts-quality` judges them again with each strategy at the setting chosen by "
        "validation sample quality."
        if c.quality_verdicts is not None
        else f"The `{profile}` profile judges them at these settings only; the `full` profile also judges them "
        "at the settings chosen by validation sample quality."
    )
    return {"settings-cited": Markdown(settings), "verdicts-quality-cited": Markdown(quality)}


def professor_forcing_runs(measured: pd.DataFrame) -> pd.DataFrame:
    """Professor forcing per run of the final comparison: rule, seed, setting, gate share, discriminator, NLL."""
    pf = measured[measured.strategy == "professor_forcing"]
    return pd.DataFrame(
        {
            "selected by": pf.rule.map(RULE_NAMES),
            "seed": pf.seed,
            "setting": pf.setting,
            "gate open": pf.gate_open.map("{:.1%}".format),
            "discriminator accuracy": pf.d_accuracy.round(3),
            "test NLL": pf.nll.round(4),
        }
    )


def adversarial_effect(runs: pd.DataFrame) -> str:
    """SeqGAN's adversarial phase on its own: its test NLL minus that of the baseline run it started from,
    paired by seed (mean and 95 % t-interval); empty without SeqGAN runs measured against their
    pre-training. A SeqGAN run's NLL is mostly its pre-training's; in the tuned comparison that is the
    baseline's own final run at the same seed (:func:`melodyreg.runs.study.seqgan_start`)."""
    if "pretrained_gain" not in runs:
        return ""
    gains = runs.loc[runs.strategy == claims.G, "pretrained_gain"].dropna()
    if gains.empty:
        return ""
    mean, low, high = significance.t_interval(gains.to_numpy())
    where = "below" if high < 0 else "above" if low > 0 else "on both sides of"
    reading = {
        "below": "the adversarial phase itself lowered the NLL",
        "above": "the adversarial phase itself raised the NLL",
        "on both sides of": "the adversarial phase itself moved the NLL by no more than seed noise",
    }[where]
    return (
        f"Against the baseline run each SeqGAN run started from, its test NLL moved by "
        f"{intervals.format_ci(mean, low, high)} ({counted(len(gains), 'seed')}; 95 % t-interval, {where} 0): "
        f"{reading}."
    )


def seqgan_reading(verdicts: pd.DataFrame, frontier_table: pd.DataFrame, runs: pd.DataFrame | None = None) -> str:
    """What the study says of SeqGAN, the poster's future work: its verdict against the token-level
    regularizers on test NLL, its frontier verdict against the temperature-tuned baseline, and with
    ``runs`` the adversarial phase's own effect (:func:`adversarial_effect`); empty for a study without
    SeqGAN."""
    row = verdicts[verdicts["poster's claim"] == claims.CLAIMS[claims.SEQGAN_CLAIM].text]
    if row.empty:
        return ""
    evidence = row["evidence (mean [interval] over seeds)"].iloc[0].split(" (judged also")[0]
    sentence = (
        "SeqGAN, the poster's future work, against the token-level regularizers on test NLL: "
        f"{row.verdict.iloc[0]} ({evidence})"
    )
    on_frontier = frontier_table[frontier_table.strategy == claims.G] if len(frontier_table) else frontier_table
    if len(on_frontier):
        best = on_frontier.iloc[0]
        sentence += (
            f"; on the quality–diversity frontier against the temperature-tuned baseline: {best.verdict} "
            f"(margin {best['best margin']} at temperature {best['best temperature']:g})"
        )
    effect = adversarial_effect(runs) if runs is not None else ""
    return sentence + "." + (f" {effect}" if effect else "")


def contradicted(verdicts: pd.DataFrame) -> str:
    """The contradicted claims, quoted, or that there are none."""
    judged = verdicts.set_index("poster's claim").verdict
    against = judged[judged == "contradicted"].index
    return (
        f"Contradicted: {'; '.join(f'“{claim}”' for claim in against)}."
        if len(against)
        else "No claim is contradicted."
    )


def closing_glue(c: Comparison, past: recorded.Recorded | None, missing: str) -> dict[str, object]:
    """The numbers of the chapter's closing prose and of the introduction's abstract, and the paragraph
    that introduces the recorded build (``record-notice``, :func:`~melodyreg.report.sentences.record_notice`)."""
    runs, verdicts = c.nll_runs, c.verdicts
    poster = verdicts[~claims.is_secondary(verdicts)]  # the counts are of the poster's claims
    counts = poster["verdict"].value_counts()
    values = {
        "eval-profile": c.study.profile,
        "eval-seeds": counted(len(c.study.seeds), "seed"),
        "eval-claims": f"{len(poster)}",
        **{f"eval-{v}": f"{counts.get(v, 0)}" for v in ("supported", "contradicted", "inconclusive")},
        "eval-untested": f"{int(poster['verdict'].str.startswith('untested').sum())}",
        "eval-claims-summary": observations.claims_summary(verdicts),
        "eval-observations": observations.summary(runs, c.sweep),
        "eval-collapse": observations.collapse(runs),
        "eval-states": observations.states(runs),
        "eval-full-cost": sentences.record_cost(past) if past else "not recorded yet",
        "eval-recorded": plain(
            f"The tuned comparison, as {sentences.record_origin(past)}, {sentences.record_summary(past)}."
            if past
            else f"No tuned comparison is recorded yet: {missing}."
        ),
        "record-notice": Markdown(sentences.record_notice(past, missing)),
    }
    means = runs.groupby("strategy")[["nll", "log_likelihood"]].mean()
    for name, row in means.iterrows():
        values[f"eval-nll-{name}"] = f"{row.nll:.3f}"
        values[f"eval-ll-{name}"] = f"{row.log_likelihood:.1f}"
    values["eval-best-nll"] = observations.leader(runs, "nll")
    values["eval-best-ll"] = observations.leader(runs, "log_likelihood", lower=False)
    values["eval-contradicted-list"] = contradicted(poster)
    values["eval-seqgan"] = seqgan_reading(verdicts, c.frontier, runs)
    values["eval-frontier"] = sentences.frontier_summary(c.frontier)
    values["eval-settings"] = sentences.robustness_summary(c.robustness)
    return values


def record(c: Comparison, namespace: Mapping[str, object]) -> tuple[recorded.Recorded | None, str]:
    """Write a ``full`` build's findings to ``results/full/`` with the chapter's parameters and this machine's
    environment (:func:`melodyreg.evaluation.recorded.write`; the other profiles write nothing), then read
    back the latest recorded findings (:func:`melodyreg.evaluation.recorded.latest`): this build's at
    ``full`` (marked :attr:`~melodyreg.evaluation.recorded.Recorded.own`), the committed ones elsewhere."""
    written = recorded.write(
        c.study,
        recorded_tables(c),
        parameters=parameters_of(namespace),
        environment=dict(environment.environment_table().values),
    )
    past, missing = recorded.latest("full")
    return mark_own(past, written), missing


def mark_own(past: recorded.Recorded | None, written: Path | None) -> recorded.Recorded | None:
    """``past`` marked as :attr:`~melodyreg.evaluation.recorded.Recorded.own` when it was read from the folder
    this build has just ``written`` (a ``full`` build reading its findings back), else as it is."""
    if past is not None and written is not None and past.folder == written:
        return dataclasses.replace(past, own=True)
    return past


def glue(c: Comparison, num_melodies: int, melody_steps: int) -> dict[str, object]:
    """Every value the chapter's prose glues before its closing section: :func:`opening_glue`,
    :func:`tuning_glue`, :func:`held_out_glue` and :func:`cited_glue` (the closing section's,
    :func:`closing_glue`, needs the recorded build)."""
    return {
        **opening_glue(c, num_melodies, melody_steps),
        **tuning_glue(c),
        **held_out_glue(c),
        **cited_glue(c),
        **notes_glue(c),
    }


def notes_glue(c: Comparison) -> dict[str, Markdown]:
    """The paragraphs the chapter pastes between its tables, each written from the numbers it reads:
    :func:`protocol_line`, :func:`below_chance`, :func:`fit_note`, :func:`reference_note`,
    :func:`frontier_note` and :func:`exposure_note`."""
    return {
        "protocol-line": Markdown(protocol_line(c)),
        "below-chance": Markdown(below_chance(c.nll_runs)),
        "fit-note": Markdown(fit_note(c.nll_runs)),
        "reference-note": Markdown(reference_note(c.evidence)),
        "frontier-note": Markdown(frontier_note(c)),
        "exposure-note": Markdown(exposure_note(c.evidence.exposure)),
    }


def recorded_tables(c: Comparison) -> dict[str, pd.DataFrame | None]:
    """What a ``full`` build writes to ``results/full/`` (:func:`melodyreg.evaluation.recorded.write`)."""
    return {
        "verdicts": c.verdicts,
        "verdicts_quality": c.quality_verdicts,
        "selected": chosen_settings(c),
        "tuning": c.tuning.table.drop(columns="overrides") if len(c.tuning.table) else None,
        "runs": c.evidence.runs,
        "timings": c.timings,
    }


def parameters_of(namespace: Mapping[str, object], names: tuple[str, ...] = RECORDED_PARAMETERS) -> dict[str, object]:
    """The chapter's parameters that a recorded build keeps in its provenance, from its namespace."""
    return {name: namespace[name] for name in names}


def budget_curves(c: Comparison) -> pd.DataFrame | None:
    """Each strategy's expected best validation NLL against the number of its tuning settings drawn
    (:func:`melodyreg.evaluation.budget.expected_best_curves`); ``None`` without tuning."""
    if not len(c.tuning.table):
        return None
    return budget.expected_best_curves(c.tuning.table, "valid_nll")


def budget_figure(c: Comparison):
    """:func:`melodyreg.report.plots.budget_chart` of :func:`budget_curves`; ``None`` without tuning."""
    curves = budget_curves(c)
    return None if curves is None else plots.budget_chart(curves)


SEQGAN_BUDGET_NOTE = (
    "SeqGAN is left out of this order: each of its settings starts from the baseline that the baseline's "
    "whole budget chose, so even its first setting draws on more than one."
)


def budget_reading(curves: pd.DataFrame | None) -> str:
    """Whether the strategies' order by expected best validation NLL is the same at one setting as at the
    whole budget, in words (empty without tuning). SeqGAN, whose settings all start from the tuned baseline,
    is left out of the order, and the reading says so."""
    if curves is None or curves.empty:
        return ""
    note = f" {SEQGAN_BUDGET_NOTE}" if (curves.strategy == claims.G).any() else ""
    curves = curves[curves.strategy != claims.G]
    if curves.empty:
        return note.strip()
    full = int(curves.groupby("strategy").budget.max().min())

    def order(n: int) -> list[str]:
        at = curves[curves.budget == n].sort_values("expected best")
        return [strategy_name(name) for name in at.strategy]

    first, last = order(1), order(full)
    if first == last:
        return (
            f"From one setting to {counted(full, 'setting')}, the strategies keep their order by expected best "
            f"validation NLL ({', '.join(last)}, best first): here the ranking does not depend on the budget.{note}"
        )
    return (
        f"The order changes with the budget: with one setting drawn it is {', '.join(first)} (best first), with "
        f"{counted(full, 'setting')} {', '.join(last)}. A comparison at another budget could rank them otherwise."
        f"{note}"
    )


def edges_note(c: Comparison) -> str:
    """Which chosen settings (validation NLL rule) sit at the edge of their search space, in words (empty
    without tuning); see :func:`melodyreg.evaluation.budget.edges`."""
    if not len(c.tuning.table):
        return ""
    found = chosen_edges(c)
    if found.empty:
        return "No setting the NLL rule chose sits at the edge of its search space."
    parts = [
        f"{strategy_name(row.strategy)}'s {row.knob} ({row.chosen:g}, the {row.side}est drawn, near the bound "
        f"{row.bound:g})"
        for row in found.itertuples()
    ]
    return (
        f"At the edge of the search: {'; '.join(parts)}. The best value may lie beyond the space searched; the "
        "space was fixed before any run, and widening it for one strategy after seeing its results would spend "
        "budget the others did not get, so it is reported instead."
    )


def tuning_glue(c: Comparison) -> dict[str, str]:
    """The tuning section's sentences: how the order depends on the budget, and choices at the edge."""
    return {"budget-reading": budget_reading(budget_curves(c)), "budget-edges": edges_note(c)}


PUBLISHED_LABEL = "Professor forcing (as published)"


def published_table(c: Comparison, columns: Mapping[str, str] = FIT) -> pd.DataFrame | None:
    """The baseline and professor forcing at the settings the NLL rule chose, with professor forcing as
    Lamb et al. published it (raw sum, their gates) as a marked row, each over the same seeds; ``None``
    where the profile trains no published run."""
    published = c.evidence.runs[c.evidence.runs["rule"] == "published"]
    if published.empty:
        return None
    chosen = c.nll_runs[c.nll_runs.strategy.isin(["baseline", "professor_forcing"])]
    return tables.interval_table(pd.concat([chosen, published.assign(strategy=PUBLISHED_LABEL)]), dict(columns))
