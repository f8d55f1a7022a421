# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     notebook_metadata_filter: -jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: melodyreg
#     language: python
#     name: melodyreg
# ---

# %% tags=["parameters"]
profile = "poster"  # "smoke" (CI), "poster" (the poster's settings, one seed) or "full" (5 seeds + sweeps)
seed = 2017  # the first training seed; it also seeds the split, every random draw in training, and sampling
num_seeds = None  # training seeds per strategy (seed, seed + 1, ...); None: the profile's (poster 1, full 5)
source = None  # None: the profile's corpus (folk tunes); or "essen", "maestro", "midi"
path = None  # MAESTRO zip/folder or MIDI folder for those sources
maestro_split = None  # "random" (poster) or "official"
workers = None  # processes for corpus preparation and training; None uses every core
scheduler = None  # address of a Dask scheduler to train on; None: a local cluster
iterations = None  # training iterations per strategy; None: the profile's (5,000 at "poster" and "full")
num_melodies = 10  # generated melodies per run (the poster's 10)
melody_steps = 128  # steps per generated melody, the primer (middle C) included
temperature = 1.0  # sampling temperature
tsne_states = None  # hidden states per side in each t-SNE panel and two-sample test; None: the profile's

# %%
import pandas as pd
from IPython.display import Markdown, display

from melodyreg import protocol
from melodyreg.evaluation import claims, evidence, frontier, intervals, observations, recorded, speed, states, tuning
from melodyreg.report import display as show
from melodyreg.report import environment, plots
from melodyreg.runs import study

show.enable_offline_charts()

# %% [markdown]
# # Evaluation: a fair comparison, the poster's results recomputed, and measures that can disagree
#
# The poster trained each strategy once, at one setting it did not tune, and judged it on data it
# also reported training curves on. At the `full` profile this chapter first gives every strategy
# the same tuning budget, chooses each one's setting on validation data, and trains the choice at
# five seeds {cite}`melis2018state,lucic2018gans`; at the `poster` profile it keeps the poster's
# protocol, one run per strategy at its default setting (the line below the heading says which
# this build follows). Either way everything after that is judged on the test split, which
# nothing was chosen on. It then redoes the poster's comparisons (hidden states in training and
# generation, losses, the log-likelihood of generated melodies) and asks what the poster could not:
# do the differences survive other seeds and other settings, how well does each model fit melodies
# it never saw, do its melodies resemble real ones, and does it really suffer less from its own
# mistakes. Everything is computed here from the runs in the artifact store.
#
# **Intervals.** Each strategy is trained once per seed on the same split. A number is the mean
# over seeds with a bootstrap interval {cite}`efron1993bootstrap` that resamples seeds; a
# difference between strategies is paired by seed. A plain percentile bootstrap is much too narrow
# for a handful of seeds, so we use Hesterberg's expanded percentile interval
# {cite}`hesterberg2015teachers` (see `melodyreg.evaluation.intervals`). Below three seeds no claim
# is judged: it is marked *untested*, with its evidence shown. The one exception is the claim about
# training speed, whose replicates are repeated timings of one training step, not seeds.

# %%
s = study.run_study(
    profile,
    seed=seed,
    num_seeds=num_seeds,
    source=source,
    path=path,
    maestro_split=maestro_split,
    workers=workers,
    scheduler=scheduler,
    overrides={"iterations": iterations},
)
tuned = tuning.tune(s, steps=melody_steps)
s = study.train_final(s, tuned.selected)
per_side = tsne_states or states.TSNE_STATES.get(profile, 1000)
found = evidence.gather(s, num=num_melodies, steps=melody_steps, temperature=temperature, per_side=per_side)
runs = found.runs[found.runs.rule == "nll"]
show.glue("ll-count", f"{num_melodies}")
show.glue("ll-steps", f"{melody_steps}")
show.glue(  # MyST, pasted with {glue:md}: the tables it cites exist only at a profile that tunes
    "tuning-cited",
    Markdown(
        "{numref}`tbl-tuning` lists the tuning runs and {numref}`tbl-chosen` the setting each rule chose."
        if len(tuned.table)
        else f"The `{profile}` profile follows the poster's protocol: one untuned setting per strategy. "
        "The `full` profile tunes every strategy with the same budget (`make book PROFILE=full`)."
    ),
)
ci = intervals.coverage_note(len(s.seeds))  # what the intervals below are worth at this many seeds
display(
    Markdown(
        f"Profile `{profile}`: "
        + (
            f"{show.counted(len(s.grid), 'tuning run')} at seed {s.seed}, then "
            f"{show.counted(len(s.seeds), 'seed')} per strategy ({', '.join(map(str, s.seeds))}) at each chosen "
            "setting; "
            if len(s.grid)
            else f"no tuning (the poster's protocol), {show.counted(len(s.seeds), 'seed')} per strategy "
            f"({', '.join(map(str, s.seeds))}) at its default setting; "
        )
        + f"{show.counted(len(set(r.folder for r in s.final.values())), 'run')} in the final comparison. "
        f"{ci[0].upper()}{ci[1:]}."
    )
)

# %% [markdown]
# ## Tuning: the same budget for every strategy, chosen on validation data
#
# Each regularizer gets the same number of settings over its own knobs, each trained once at the
# first seed: scheduled sampling's decay $k$ (from a schedule that still feeds mostly true inputs
# at its end to one that feeds almost none) and one schedule with a floor ($\varepsilon \ge 0.5$);
# dropout's rate; professor forcing's weight $\lambda$, its gates (including off), and a stronger
# discriminator (every step instead of quarter-note averages; or reading the output distribution
# beside the hidden states, as {cite}`lamb2016professor` do). The baseline has no knob of its own
# and spends no budget. Two rules choose a setting per strategy, both on the validation split:
# the lowest **validation NLL** at the final iterate, and the highest **validation sample
# quality** (mean feature overlap of 32 generated melodies with validation melodies). The NLL at
# the best validation checkpoint is shown beside the final one. {glue:md}`tuning-cited:myst`

# %%
if len(tuned.table):
    display(
        show.table(
            tuned.table.drop(columns="overrides").round(4),
            "Tuning runs on the validation split (one seed each): validation NLL at the final iterate and at "
            "the best checkpoint, and validation sample quality. Each strategy's setting is chosen from its rows. "
            "gate_open: the share of steps with professor forcing's adversarial term on; d_accuracy: its "
            "discriminator's accuracy (both means over all iterations); own_input_share: the share of scheduled "
            "sampling's inputs over the last 10 % of iterations that were its own samples and differed from the "
            "truth.",
            name="tbl-tuning",
        )
    )

# %%
chosen = evidence.label(
    pd.DataFrame(
        [
            {"strategy": name, **{rule: study.setting_label(picks[name]) for rule, picks in tuned.selected.items()}}
            for name in s.runs
        ]
    )
)
if len(tuned.table):
    display(
        show.table(
            chosen,
            "The setting each rule chose per strategy (validation NLL; validation sample quality).",
            name="tbl-chosen",
        )
    )

# %% [markdown]
# ## Hidden states in training and in generation
#
# For each strategy (first seed), the hidden states of both LSTM layers (128 numbers per step) are
# collected in two situations: **teacher-forced on training melodies** (red) and **free-running
# while generating** (blue), the same number of steps from each. t-SNE maps each strategy's two sets
# together into two dimensions, as the poster did ({numref}`fig-tsne`).

# %%
samples = found.samples  # the first seed's melodies, generated once while measuring
hidden = states.hidden_state_sets(s, samples, per_side=per_side)
show.figure(
    plots.tsne_chart(states.tsne_frame(hidden, seed)),
    "fig-tsne",
    "t-SNE of hidden states, teacher-forced on training melodies (red) and free-running in generation "
    "(blue), first seed. Each panel is its own t-SNE fit, so positions and scales cannot be compared "
    "between panels; look at how far the two colours separate within a panel.",
)

# %% [markdown]
# t-SNE distorts distances and its pictures depend on its settings, so we turn "the two clouds
# look apart" into two tests, for every seed: the cross-validated **ROC AUC** ({numref}`fig-state-auc`) of a
# logistic regression telling the two sets apart (0.5: indistinguishable; 1: never confused), with folds
# that keep each sequence's states together (neighbouring steps are near-copies, and splitting them
# across folds would inflate the AUC), and the
# **maximum mean discrepancy** (MMD) with a Gaussian kernel {cite}`gretton2012kernel`, whose
# permutation p-value says whether the two sets could be one distribution (with 200 permutations
# the smallest possible p-value is 1/201 ≈ 0.005). Both draw 1,000 states per side (at the `poster`
# and `full` profiles) from 32 teacher-forced training windows and 32 generated melodies per run;
# the permutations move whole sequences between the sides, since neighbouring steps of a melody are
# near-copies. The same tests between training and *test* windows, both teacher-forced (the
# memorization columns of {numref}`tbl-state-tests`), separate a model that merely knows its training melodies from one thrown by its own
# output. The two sides are not matched
# in every respect (training windows start anywhere in a tune, generation starts at middle C), so
# even a perfect model would not score exactly 0.5.

# %%
show.figure(
    plots.interval_chart(
        evidence.label(runs),
        "state_auc",
        "Training vs generation hidden states: classifier AUC",
        "ROC AUC (0.5 = indistinguishable)",
        reference=0.5,
    ),
    "fig-state-auc",
    f"How well a classifier tells teacher-forced from free-running hidden states (grouped cross-validated "
    f"ROC AUC; means, {ci}). Near 0.5 the two are alike. The poster claims scheduled sampling and professor "
    f"forcing bring them closer than the baseline and dropout; this build {observations.agreement(claims.CLAIMS[1], runs)}"
    " (the verdict, with intervals, is in the claims table below).",
)

# %%
show.table(
    evidence.interval_table(
        runs,
        {
            "state_auc": "AUC",
            "state_accuracy": "accuracy",
            "mmd": "MMD²",
            "mmd_p": "MMD p-value",
            "memo_auc": "memorization AUC",
            "memo_mmd": "memorization MMD²",
        },
    ),
    "Two-sample tests between teacher-forced and free-running hidden states, and (memorization) between "
    f"teacher-forced states on training and on test windows (mean [interval]; {ci}).",
    name="tbl-state-tests",
)

# %%
aucs = runs.groupby("strategy", sort=False)[["state_auc", "memo_auc"]].mean()
below = [
    f"{show.strategy_label(name).lower()}'s {'memorization AUC' if column == 'memo_auc' else 'AUC'} "
    f"({aucs.loc[name, column]:.3f})"
    for column in aucs
    for name in aucs.index[aucs[column] < 0.5]
]
display(
    Markdown(
        "An AUC below 0.5 is not a classifier that learned the sides backwards. When there is nothing to "
        "separate, cross-validation itself pulls the AUC below 0.5: each held-out fold's sequences are missing "
        "from its training folds, so the classifier leans a little toward the other side, and its held-out "
        "scores are tipped against the truth. "
        + (
            f"Below 0.5 on average here: {', '.join(below)}. Read such a value as *indistinguishable*, not as "
            "better than indistinguishable."
            if below
            else "No AUC in the table is below 0.5 on average here."
        )
    )
)

# %% [markdown]
# ## Training and held-out loss
#
# Loss curves of the first seed ({numref}`fig-all-train`, {numref}`fig-all-valid`); the tables
# below cover every seed.

# %%
curves = study.curves(s)
show.figure(
    plots.loss_curves(curves, "train", "Training loss, all strategies (moving mean over 50 iterations)"),
    "fig-all-train",
    "Training loss of every strategy at its default setting, first seed (moving mean over 50 iterations). "
    "Each strategy's training loss measures something a little different (dropped units, own inputs).",
)

# %%
show.figure(
    plots.loss_curves(curves, "eval", "Validation loss, all strategies (teacher-forced, no dropout)"),
    "fig-all-valid",
    f"Validation loss of every strategy, first seed, {study.validation_note(s)} from the validation side: "
    "the same yardstick for all four.",
)

# %%
first_baseline = s.runs["baseline"].history
show.glue("curve-end-baseline", f"{first_baseline[first_baseline.phase == 'eval'].loss.iloc[-1]:.3f}")
first_row = runs[(runs.strategy == "baseline") & (runs.seed == s.seed)]
show.glue("test-nll-baseline-first", f"{first_row.nll.iloc[0]:.3f}")
train_config = s.runs["baseline"].config.train
show.glue("eval-windows", f"{train_config.eval_windows:,}")
show.glue("eval-every", f"{train_config.eval_every:,}")
show.glue("eval-window", f"{train_config.window:,}")

# %% [markdown]
# The two held-out numbers differ on purpose. The curve in {numref}`fig-all-valid` ends, for the
# baseline, at {glue:text}`curve-end-baseline` nats per event: the mean over the first
# {glue:text}`eval-windows` windows cut from the **validation** side, the quick check made every
# {glue:text}`eval-every` iterations while training. The tables below score the **test** side,
# every window of every melody (consecutive windows of {glue:text}`eval-window` steps, each read
# from a fresh state), where the same run scores {glue:text}`test-nll-baseline-first`. Different
# melodies, and all of them rather than the first few hundred windows, so the two need not agree;
# only the test numbers enter the verdicts.

# %% [markdown]
# **Held-out fit** is the honest measure of what a model learned about melodies: the
# teacher-forced negative log-likelihood per event on the whole held-out split (lower is better),
# its perplexity, and how often the most likely next event is the true one, overall and by kind of
# event ({numref}`tbl-fit`; the NLL alone in {numref}`fig-test-nll`). Most events are `NO_EVENT` (a
# note or rest goes on), so the accuracy on note onsets says more about the melodic choices.
# {numref}`tbl-paired` gives each strategy's differences from the baseline trained at the same seed.

# %%
fit_columns = {
    "nll": "NLL / event",
    "perplexity": "perplexity",
    "accuracy": "accuracy",
    "accuracy_note": "accuracy: notes",
    "accuracy_no_event": "accuracy: NO_EVENT",
    "accuracy_note_off": "accuracy: NOTE_OFF",
    "train_loss": "training loss",
}
show.table(
    evidence.interval_table(runs, fit_columns),
    f"Test-split fit by kind of event (mean [interval]; {ci}). Look at the note-onset accuracy: most events "
    "are NO_EVENT.",
    name="tbl-fit",
)

# %%
display(Markdown(observations.collapse(runs) + " " + observations.note_off(runs)))

# %%
show.figure(
    plots.interval_chart(evidence.label(runs), "nll", "Held-out NLL per event", "nats per event (lower is better)"),
    "fig-test-nll",
    f"Test-split NLL per event, per strategy at its chosen setting (means, {ci}); lower is better.",
)

# %%
show.table(
    evidence.paired_table(
        runs,
        {
            "nll": "Δ NLL / event",
            "accuracy_note": "Δ accuracy: notes",
            "train_loss": "Δ training loss",
            "state_auc": "Δ hidden-state AUC",
        },
    ),
    f"Paired differences against the baseline (strategy − baseline, same seed; mean [interval]; {ci}). "
    "An interval that excludes 0 is a difference the seeds agree on.",
    name="tbl-paired",
)

# %% [markdown]
# ## The "log likelihood" table
#
# The poster's table gives, per strategy, the log-likelihood of its generated melodies. Magenta
# reports, for a generated melody, the sum over the sampled events (all but the primer) of the log
# probability *the model itself* gave the event it sampled. We compute exactly that for
# {glue:text}`ll-count` melodies of {glue:text}`ll-steps` steps primed at middle C, per seed, and
# average over seeds ({numref}`tbl-likelihood`); {numref}`fig-likelihood` shows the single melodies
# behind the means.

# %%
show.table(
    evidence.likelihood_table(runs),
    "The poster's table recomputed: log-likelihood of generated melodies (Magenta's measure), the "
    f"poster's and ours, beside the held-out NLL. Compare the orderings, not the values. Seeds: {ci}.",
    name="tbl-likelihood",
)

# %%
show.figure(
    plots.likelihood_chart(study.sample_frame(samples)),
    "fig-likelihood",
    "Log-likelihood of each generated melody (first seed), per strategy: the spread behind the means in the table.",
)

# %% [markdown]
# :::{important}
# **What this number measures.** The log-likelihood of a model's *own* samples is minus the
# entropy of its output, estimated from ten draws. It is highest for a model that is confident and
# repetitive, whatever the music it learned: a model that always played the same note would score
# 0, the best possible value. It says nothing about how well the model fits real melodies; the
# held-out NLL does. A strategy can "win" the poster's table by becoming more predictable while
# fitting held-out music no better, or worse.
# :::
#
# The poster's absolute values are not comparable with ours: its corpus (polyphonic piano
# performances, reduced to their top line) is far less predictable than notated folk tunes. The
# comparison that carries over is the ordering of the strategies.
#
# ## Do the melodies sound like real ones?
#
# Following Yang and Lerch {cite}`yang2020evaluation`, each generated melody and 100 held-out
# melodies (their first 128 steps) are described by nine symbolic features (pitch count and range,
# pitch-class histogram and transitions, mean interval, note count, inter-onset interval,
# note-length histogram, repetition of interval patterns; see `melodyreg.evaluation.features`). For each
# feature, the distances *among* the held-out melodies are compared with the distances *between*
# generated and held-out melodies: their **overlap area** is 1 when generated melodies sit among
# real ones as the real ones sit among themselves. The last set of bars in {numref}`fig-features`
# does the same for as many real training melodies as there are generated ones per run: the
# overlap two samples of real music reach. {numref}`tbl-features` adds the paper's two other comparisons: the generated melodies'
# distances among themselves against the real melodies' (is the set as varied as real music?) and
# against the generated-to-real distances (a set that collapsed onto a few melodies has its own
# distances near zero, far from its distances to real music, and scores low on both).

# %%
show.figure(
    plots.feature_chart(
        evidence.feature_overview(found),
        "Overlap with held-out melodies per feature (mean over seeds; 1 = as close as real melodies)",
    ),
    "fig-features",
    "Overlap of generated with held-out melodies, per feature (mean over seeds); the last set is real "
    "training melodies, the overlap real music reaches. Look for features where a strategy falls short of it.",
)

# %%
compared = ["overlap", "kl", "overlap_intra", "overlap_gen_inter"]
per_run = found.features.groupby(["strategy", "seed"], as_index=False, sort=False)[compared].mean()
show.table(
    evidence.interval_table(
        per_run,
        {
            "overlap": "real intra vs inter (overlap)",
            "kl": "real intra vs inter (KL)",
            "overlap_intra": "real intra vs generated intra",
            "overlap_gen_inter": "generated intra vs inter",
        },
    ),
    "Yang and Lerch's three comparisons of generated with test melodies, each averaged over the nine "
    "features: overlap areas (1 = the same distribution of distances) and the KL divergence of the first "
    f"(mean [interval]; {ci}).",
    name="tbl-features",
)

# %%
display(
    Markdown(
        f"Real training melodies against the same held-out ones: mean overlap "
        f"**{found.reference_features.overlap.mean():.3f}**, mean KL "
        f"**{found.reference_features.kl.mean():.3f}**."
    )
)

# %% [markdown]
# ## Quality against diversity
#
# A model sampled at a lower temperature plays safer: its melodies look more like the most common
# real ones and score higher on most "quality" measures, and on the poster's log-likelihood, while
# they grow alike. Caccia et al. {cite}`caccia2020language` showed that many remedies for exposure
# bias in text lose to a maximum-likelihood model whose temperature is simply tuned. So every
# strategy, at its chosen setting and every seed, generates a batch of melodies at each of six
# temperatures, and each batch is measured on two axes: **quality**, the mean overlap of its
# features with test melodies (as above), and **diversity**, its melodies' mean distance from each
# other relative to the test melodies' (the median over the nine features; 1 = as varied as real
# music, 0 = all alike). A regularizer wins only if, somewhere on its curve, it has more quality
# than the baseline reaches at the same diversity with any temperature (the baseline's upper
# envelope: a very cold model writes sparse melodies whose features can differ *more* than warmer
# ones, and a very hot one near-random melodies whose feature statistics come out alike, so
# temperature does not order the curve). {numref}`fig-frontier` shows the curves,
# {numref}`tbl-frontier` the verdict. {numref}`fig-temperature-ll` follows the poster's
# log-likelihood across the same temperatures, {numref}`tbl-diversity` gives every measure of quality
# and diversity at temperature 1, and {numref}`tbl-lengths` compares short melodies with long ones.

# %%
sweep, lengths = frontier.study_frontier(s, num=protocol.SWEEP_MELODIES[profile], steps=melody_steps)
show.figure(
    plots.frontier_chart(evidence.label(sweep), "overlap", "intra_ratio", "Quality against diversity"),
    "fig-frontier",
    f"Quality (overlap with test melodies) against diversity (intra-set distance relative to the test "
    f"melodies') for {protocol.SWEEP_MELODIES[profile]} melodies per run at each temperature (each curve's "
    "ends labelled; hover a point for its own); means over "
    f"seeds ({ci}). A point above the best quality the baseline reaches at that diversity (at any "
    "temperature) beats the temperature-tuned baseline.",
)

# %%
frontier_verdicts = frontier.verdicts(sweep)
show.table(
    evidence.label(frontier_verdicts),
    "Does a regularizer beat the temperature-tuned baseline anywhere on the curve? Its quality minus the best "
    "the baseline reaches at the same diversity (the upper envelope of its temperatures), per temperature, "
    f"paired by seed; *yes* when some temperature's interval lies above 0. Seeds: {ci}.",
    name="tbl-frontier",
)

# %%
show.figure(
    plots.curve_chart(
        intervals.summarise(evidence.label(sweep), "own_ll", by=["strategy", "temperature"]),
        "temperature",
        "sampling temperature",
        "The poster's measure across temperatures",
        "log-likelihood of a generated melody (own model)",
    ),
    "fig-temperature-ll",
    "The poster's log-likelihood of a model's own melodies at each sampling temperature "
    f"({show.counted(protocol.SWEEP_MELODIES[profile], 'melody', 'melodies')} per run and temperature; {ci}). "
    + observations.temperature(sweep),
)

# %%
at_one = sweep[sweep.temperature == 1.0]
show.table(
    evidence.interval_table(
        at_one,
        {
            "overlap": "quality: overlap",
            "cross_nll": "quality: NLL under another seed's baseline",
            "intra_ratio": "diversity: intra-set ratio",
            "overlap_intra": "diversity: intra-set overlap",
            "distinct_4grams": "diversity: distinct interval 4-grams",
        },
    ),
    f"Quality and diversity at temperature 1 (mean [interval]; {ci}). The NLL under a baseline of another "
    "seed scores melodies by a model that did not write them (n/a with one seed); the intra-set overlap "
    "compares how varied the melodies are with how varied test melodies are (Yang and Lerch's intra-set test).",
    name="tbl-diversity",
)

# %%
long_table = pd.concat(
    [
        evidence.interval_table(
            lengths[lengths.steps == n],
            {
                "cross_nll": "NLL under another seed's baseline",
                "own_ll_per_event": "own log-likelihood per event",
                "distinct_4grams": "distinct interval 4-grams",
            },  # fmt: skip
        ).assign(steps=n)
        for n in sorted(lengths.steps.unique())
    ],
    ignore_index=True,
)
long_table.insert(1, "steps", long_table.pop("steps"))
length_melodies = min(protocol.SWEEP_MELODIES[profile], frontier.LENGTH_MELODIES)  # as study_frontier draws them
show.table(
    long_table,
    f"Melodies of {' and '.join(str(n) for n in sorted(lengths.steps.unique()))} steps at temperature 1 "
    f"({show.counted(length_melodies, 'melody', 'melodies')} per run and length; mean [interval]; {ci}): "
    "a long melody reads more of its own output, so exposure bias, if it matters, should show as a worse "
    "NLL or log-likelihood per event at the longer length. The distinct 4-gram share falls with length by "
    "construction (more patterns from the same small vocabulary), so compare it between strategies at one "
    "length, not across lengths"
    + (
        "; with fewer melodies per run than the temperature sweep, its values at 128 steps differ from those "
        "of the table above."
        if length_melodies < protocol.SWEEP_MELODIES[profile]
        else "."
    ),
    name="tbl-lengths",
)

# %%
frontier_verdicts = frontier.verdicts(sweep)
winners = evidence.label(frontier_verdicts[frontier_verdicts.verdict == "yes"]).strategy.tolist()
display(
    Markdown(
        "No regularizer beats the temperature-tuned baseline anywhere on the curve at this profile."
        if not winners
        else f"{show.joined(winners, lower=True).capitalize()} {'beats' if len(winners) == 1 else 'beat'} the "
        "temperature-tuned baseline "
        "somewhere on the curve (see the table for where)."
    )
    if (frontier_verdicts.seeds >= frontier.MIN_SEEDS).any()
    else Markdown(
        f"With {show.counted(len(s.seeds), 'seed')} the frontier verdicts are untested; the `full` profile trains five."
    )
)

# %% [markdown]
# ## Exposure bias, made visible
#
# Scheduled sampling and professor forcing exist because of *exposure bias*: a teacher-forced
# model only ever reads true histories, and in generation it must read its own. We measure it.
# For up to 128 test melodies long enough for the longest beginning (up to 256 steps, where at
# least 32 test melodies are that long), the model reads one of three beginnings of *p* events and then
# scores the melody's real next 32 events: the melody's **real** beginning; the beginning of
# **another** real melody; or **its own** free run of *p* events from the melody's first note.
# Own minus real mixes two costs: the continuation does not follow an invented beginning, and
# the beginning is the model's own. Own minus other keeps only the second, since both beginnings
# are foreign to the continuation: the **excess** cost of reading its own output instead of real
# music, which is exposure bias. At *p* = 1 the own beginning is the real first note, so the
# excess starts negative. {numref}`fig-exposure` shows the excess at every length of beginning, and
# {numref}`tbl-exposure` the three costs after the longest.

# %%
excess = intervals.summarise(evidence.label(found.exposure), "excess", by=["strategy", "prefix"])
show.figure(
    plots.exposure_chart(excess, f"Exposure bias: NLL after own minus after another melody's beginning ({ci})"),
    "fig-exposure",
    "Exposure bias by length of the beginning: the NLL of a real continuation after the model's own "
    "beginning minus after another real melody's. Higher is worse; a remedy for exposure bias should "
    "sit below the baseline.",
)

# %%
longest = found.exposure[found.exposure.prefix == found.exposure.prefix.max()]
show.table(
    evidence.interval_table(
        longest,
        {
            "real": "after real beginning",
            "other": "after another melody's",
            "own": "after its own",
            "excess": "excess (own − other)",
        },
    ),
    f"Continuation NLL per event after a beginning of {int(longest.prefix.max())} steps (mean [interval]; {ci}).",
    name="tbl-exposure",
)

# %%
excess_means = longest.groupby("strategy", sort=False).excess.mean()
display(
    Markdown(
        f"After {show.counted(int(longest.prefix.max()), 'step')} of its own, the excess cost is "
        + ", ".join(f"{show.strategy_label(n).lower()} **{v:.3f}**" for n, v in excess_means.items())
        + " nats per event. "
        + claims.against_baseline(longest, "excess")
        + " Scheduled sampling and professor forcing were built to lower it; dropout was not."
    )
)

# %% [markdown]
# (sec-settings)=
# ## How far the verdicts depend on the settings
#
# Each claim's comparison, recomputed at every tuning setting: the setting's run against the other
# strategies at their chosen settings, at the first seed. These are not verdicts (one seed each);
# the *seed spread* column is the standard deviation of the same margin over the seeds of the
# final comparison, the yardstick for a margin at one seed. A claim that flips only where the
# margin is within the seed spread does not hinge on the setting. The claim about training speed
# is left out: it is judged on timed steps of the chosen settings, not on the runs.
# {glue:md}`settings-cited:myst`

# %%
robust = tuning.robustness(s, found)
if len(robust):
    display(
        show.figure(
            plots.robustness_chart(evidence.label(robust), "Each claim at every tuning setting"),
            "fig-robustness",
            "The verdict robustness map. Each cell recomputes a claim with one strategy at one tuning setting "
            "(the others at their chosen settings, one seed): blue where it goes the claimed way, red where it "
            "does not, in units of the seed spread of the final comparison (the darkest cells are three "
            "spreads or more from zero); a dot marks the chosen setting. A claim that turns red only in pale "
            "cells does not hinge on a setting.",
        )
    )

# %%
if len(robust):
    display(
        show.table(
            tuning.flips(robust),
            "Where each claim holds and flips across the tuning settings (one seed each). The reading gives, for "
            "each strategy whose settings split the claim, the threshold along its knob where there is one "
            "(for example ss_k ≤ 500 flips, ≥ 650 holds) and the other settings by name.",
            name="tbl-flips",
        )
    )

# %%
if len(robust):
    verdict_hinges = tuning.hinges(robust)
    display(
        show.table(
            verdict_hinges,
            "Claims robust to the settings, and those that hinge on one (a flip beyond the seed spread).",
            name="tbl-hinges",
        )
    )

# %%
if len(robust):
    display(
        show.listed(
            tuning.robustness_display(robust),
            "Every claim at every tuning setting (one seed each; margin > 0: the claimed direction; a claim "
            "hinges on a setting where its margin flips sign by more than the seed spread)",
            "robustness.csv",
            name="tbl-robustness",
            data=robust,
        )
    )

# %% [markdown]
# ## The poster's claims, checked
#
# Each claim of the poster's Discussion and Conclusion becomes paired comparisons over seeds (see
# `melodyreg.evaluation.claims`): **supported** when every comparison goes the claimed way with an
# interval that excludes zero, **contradicted** when one goes the other way with such an interval,
# **inconclusive** otherwise. {numref}`tbl-verdicts` judges every strategy at its setting chosen by
# validation NLL. {glue:md}`verdicts-quality-cited:myst` The claim about training speed is judged on
# the step times of {numref}`tbl-step-times`, the claim that scheduled sampling and professor forcing
# do worse in training on the training NLL of {numref}`tbl-generalization`, and {numref}`tbl-pf-runs`
# shows how often each professor-forcing run had its adversarial term on.

# %%
timings = speed.step_times(s)
verdicts = claims.verdicts(runs, timings)
show.table(
    verdicts,
    "The poster's claims against this study (test split; settings chosen by validation NLL). *Supported* and "
    f"*contradicted* need every paired comparison's interval to exclude zero. Seeds: {ci}.",
    name="tbl-verdicts",
)

# %%
quality_runs = found.runs[found.runs.rule == "quality"]
quality_verdicts = None
if len(quality_runs) and set(quality_runs.strategy) == set(runs.strategy):
    quality_timings = speed.step_times(s, rule="quality", reuse=timings)  # a setting both chose: timed once
    quality_verdicts = claims.verdicts(quality_runs, quality_timings)
    display(
        show.table(
            quality_verdicts,
            "The same claims with each strategy at the setting chosen by validation sample quality. A setting "
            "both rules chose has every seed; a comparison with a setting only this rule chose pairs fewer "
            "(the replicates column). Seeds: "
            + "; ".join(
                intervals.coverage_note(n)
                for n in sorted({int(n) for n in quality_runs.groupby("strategy").seed.nunique()}, reverse=True)
            )
            + ".",
            name="tbl-verdicts-quality",
        )
    )

# %%
# MyST for the prose, pasted with {glue:md}: what it cites exists only at a profile that tunes
show.glue(
    "settings-cited",
    Markdown(
        "{numref}`fig-robustness` maps every claim at every setting, {numref}`tbl-flips` says where each holds "
        "and where it flips, {numref}`tbl-hinges` which claims hinge on a setting, and {numref}`tbl-robustness` "
        "lists every margin."
        if len(robust)
        else f"The `{profile}` profile has no tuning settings to vary; the `full` profile does."
    ),
)
show.glue(
    "verdicts-quality-cited",
    Markdown(
        "{numref}`tbl-verdicts-quality` judges them again with each strategy at the setting chosen by "
        "validation sample quality."
        if quality_verdicts is not None
        else f"The `{profile}` profile judges them at these settings only; the `full` profile also judges them "
        "at the settings chosen by validation sample quality."
    ),
)

# %%
show.table(
    evidence.label(speed.step_display(timings)),
    "Milliseconds per training step, each strategy alone on one core at its setting chosen by validation NLL "
    "(mean over timing rounds, interleaved). Professor forcing's step is the mean of its step with the "
    "generator gate closed and open, weighted by the share of steps its runs had it open (the claim about "
    "training speed is judged on this, not on the wall time of runs that shared the cores).",
    name="tbl-step-times",
)

# %%
show.table(
    evidence.interval_table(
        runs,
        {
            "train_nll": "training NLL",
            "nll": "test NLL",
            "gap": "gap (test − training)",
            "nll_best": "test NLL, best checkpoint",
        },
    ),
    f"Generalization: teacher-forced NLL on fixed training windows and on the test split (mean [interval]; {ci}).",
    name="tbl-generalization",
)

# %%
pf = found.runs[found.runs.strategy == "professor_forcing"]
show.table(
    pd.DataFrame(
        {
            "selected by": pf.rule.map({"nll": "validation NLL", "quality": "sample quality"}),
            "seed": pf.seed,
            "setting": pf.setting,
            "gate open": pf.gate_open.map("{:.1%}".format),
            "discriminator accuracy": pf.d_accuracy.round(3),
            "test NLL": pf.nll.round(4),
        }
    ),
    "Professor forcing per run of the final comparison, under each selection rule: share of steps with the "
    "adversarial term on (the generator gate open), the discriminator's accuracy (both means over all "
    "training iterations, of its accuracy on each iteration's batch), and the test NLL.",
    name="tbl-pf-runs",
)

# %%
counts = verdicts["verdict"].value_counts()
untested = int(verdicts["verdict"].str.startswith("untested").sum())
display(Markdown(observations.claims_summary(verdicts)))

# %% [markdown]
# (sec-recorded)=
# ## The tuned comparison, as last recorded
#
# The `full` profile tunes every strategy with the same budget and trains the chosen settings at five
# seeds: some forty runs, hours on a laptop CPU. A `full` build writes what it found to
# `results/full/` in the repository (the verdicts with their intervals, the chosen settings, the
# tuning runs, every run's measures and the step timings, with the build's commit, date, machine and
# package versions), and that folder is committed. Every build shows it here, recorded, not
# recomputed: {numref}`tbl-recorded-verdicts` and {numref}`tbl-recorded-selected`. When the code has
# changed since in a way that changes those runs, a warning says so.

# %%
recorded.write(  # a full build writes its findings to results/full/ (the other profiles write nothing)
    s,
    {
        "verdicts": verdicts,
        "verdicts_quality": quality_verdicts,
        "selected": chosen,
        "tuning": tuned.table.drop(columns="overrides") if len(tuned.table) else None,
        "runs": found.runs,
        "timings": timings,
    },
    parameters={
        "seed": seed,
        "num_seeds": num_seeds,
        "source": source,
        "path": path,
        "maestro_split": maestro_split,
        "iterations": iterations,
        "num_melodies": num_melodies,
        "melody_steps": melody_steps,
        "temperature": temperature,
        "tsne_states": tsne_states,
    },
    environment=dict(environment.environment_table().values),
)
past, missing = recorded.latest("full")
display(Markdown(recorded.notice(past, missing)))

# %%
show.table(
    recorded.shown(past, "verdicts", missing),
    "The poster's claims as "
    + (past.origin() if past else "the last `full` build judged them (none recorded yet)")
    + ": test split, settings chosen by validation NLL, intervals over the final comparison's seeds.",
    name="tbl-recorded-verdicts",
)

# %%
show.table(
    recorded.shown(past, "selected", missing),
    "The setting each rule chose per strategy on the validation split, in "
    + (past.origin() if past else "the last `full` build (none recorded yet)")
    + ".",
    name="tbl-recorded-selected",
)

# %%
# numbers for the prose below and for the introduction's abstract
show.glue("eval-profile", profile)
show.glue("eval-seeds", show.counted(len(s.seeds), "seed"))
show.glue("eval-claims", f"{len(verdicts)}")
for verdict in ("supported", "contradicted", "inconclusive"):
    show.glue(f"eval-{verdict}", f"{counts.get(verdict, 0)}")
show.glue("eval-untested", f"{untested}")
show.glue("eval-claims-summary", observations.claims_summary(verdicts))
show.glue("eval-observations", observations.summary(runs, sweep))
show.glue("eval-collapse", observations.collapse(runs))
show.glue("eval-states", observations.states(runs))
show.glue("eval-full-cost", recorded.cost(past) if past else "not recorded yet")
show.glue(
    "eval-recorded",
    show.plain(
        f"The tuned comparison, as {past.origin()}, {past.summary()}."
        if past
        else f"No tuned comparison is recorded yet: {missing}."
    ),
)
means = runs.groupby("strategy")[["nll", "log_likelihood"]].mean()
for name, row in means.iterrows():
    show.glue(f"eval-nll-{name}", f"{row.nll:.3f}")
    show.glue(f"eval-ll-{name}", f"{row.log_likelihood:.1f}")
show.glue("eval-best-nll", claims.leader(runs, "nll"))
show.glue("eval-best-ll", claims.leader(runs, "log_likelihood", lower=False))
judged = verdicts.set_index("poster's claim").verdict
show.glue(
    "eval-contradicted-list",
    f"Contradicted: {'; '.join(f'“{claim}”' for claim in judged[judged == 'contradicted'].index)}."
    if (judged == "contradicted").any()
    else "No claim is contradicted.",
)
show.glue("eval-frontier", frontier.summary(frontier_verdicts))
show.glue("eval-settings", tuning.robustness_summary(robust) if len(robust) else tuning.NO_GRID)

# %% [markdown]
# ## What this shows
#
# At the {glue:text}`eval-profile` profile ({glue:text}`eval-seeds` per strategy), the
# held-out NLL per event on the test split is {glue:text}`eval-nll-baseline` for the baseline,
# {glue:text}`eval-nll-dropout` for dropout, {glue:text}`eval-nll-scheduled_sampling` for scheduled
# sampling and {glue:text}`eval-nll-professor_forcing` for professor forcing. The lowest, the best
# fit of real melodies, is {glue:text}`eval-best-nll`. The highest log-likelihood of a model's own
# melodies, the poster's measure, is {glue:text}`eval-best-ll` ({numref}`tbl-likelihood`), but it
# measures how predictable a model is, not how well it learned music.
# {glue:text}`eval-observations` {glue:text}`eval-claims-summary` ({numref}`tbl-verdicts`)
# Against the temperature-tuned baseline ({numref}`tbl-frontier`):
# {glue:text}`eval-frontier` Across the tuning settings: {glue:text}`eval-settings`
# {glue:text}`eval-recorded`
