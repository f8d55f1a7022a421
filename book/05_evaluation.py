# ---
# jupyter:
#   jupytext:
#     formats: py:percent
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

from melodyreg.evaluation import claims, evidence, intervals, speed, states, tuning
from melodyreg.report import display as show
from melodyreg.report import plots
from melodyreg.runs import study

show.enable_offline_charts()

# %% [markdown]
# # Evaluation: a fair comparison, the poster's results recomputed, and measures that can disagree
#
# The poster trained each strategy once, at one setting it did not tune, and judged it on data it
# also reported training curves on. This chapter first gives every strategy the same tuning
# budget, chooses each one's setting on validation data, and trains the choice at several seeds
# {cite}`melis2018state,lucic2018gans`; everything after that is judged on the test split, which
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
# is judged: it is marked *untested*, with its evidence shown.

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
ci = intervals.coverage_note(len(s.seeds))  # what the intervals below are worth at this many seeds
display(
    Markdown(
        f"Profile `{profile}`: {len(s.grid)} tuning runs at seed {s.seed}, then {len(s.seeds)} seed(s) per strategy "
        f"({', '.join(map(str, s.seeds))}) at each chosen setting; {len(set(r.folder for r in s.final.values()))} "
        f"runs in the final comparison. Intervals over {len(s.seeds)} seed(s): {ci}."
    )
)

# %% [markdown]
# ## Tuning: the same budget for every strategy, chosen on validation data
#
# Each regularizer gets the same number of settings over its own knobs, each trained once at the
# first seed: scheduled sampling's decay $k$ (from a schedule that still feeds 87 % true inputs
# at the end to one that feeds almost none) and one schedule with a floor ($\varepsilon \ge 0.5$);
# dropout's rate; professor forcing's weight $\lambda$, its gates (including off), and a stronger
# discriminator (every step instead of quarter-note averages; or reading the output distribution
# beside the hidden states, as {cite}`lamb2016professor` do). The baseline has no knob of its own
# and spends no budget. Two rules choose a setting per strategy, both on the validation split:
# the lowest **validation NLL** at the final iterate, and the highest **validation sample
# quality** (mean feature overlap of 32 generated melodies with validation melodies). The NLL at
# the best validation checkpoint is shown beside the final one.

# %%
if len(tuned.table):
    display(
        show.table(
            tuned.table.drop(columns="overrides").round(4),
            "Tuning runs on the validation split (one seed each)",
        )
    )
    chosen = [
        {"strategy": name, **{rule: study.setting_label(picks[name]) for rule, picks in tuned.selected.items()}}
        for name in s.runs
    ]
    display(show.table(evidence.label(pd.DataFrame(chosen)), "Chosen settings, per rule"))
else:
    display(
        Markdown(
            f"The `{profile}` profile follows the poster's protocol: one untuned setting per strategy. "
            "The `full` profile tunes every strategy with the same budget (`make book PROFILE=full`)."
        )
    )

# %% [markdown]
# ## Hidden states in training and in generation
#
# For each strategy (first seed), the hidden states of both LSTM layers (128 numbers per step) are
# collected in two situations: **teacher-forced on training melodies** (red) and **free-running
# while generating** (blue), the same number of steps from each. t-SNE maps each strategy's two sets
# together into two dimensions, as the poster did.

# %%
samples = found.samples  # the first seed's melodies, generated once while measuring
hidden = states.hidden_state_sets(s, samples, per_side=per_side)
plots.tsne_chart(states.tsne_frame(hidden, seed))

# %% [markdown]
# t-SNE distorts distances and its pictures depend on its settings, so we turn "the two clouds
# look apart" into two tests, for every seed: the cross-validated **ROC AUC** of a logistic
# regression telling the two sets apart (0.5: indistinguishable; 1: never confused), with folds
# that keep each sequence's states together (neighbouring steps are near-copies, and splitting them
# across folds would inflate the AUC), and the
# **maximum mean discrepancy** (MMD) with a Gaussian kernel {cite}`gretton2012kernel`, whose
# permutation p-value says whether the two sets could be one distribution (with 200 permutations
# the smallest possible p-value is 1/201 ≈ 0.005). Both use 1,000 states per side at the `poster`
# and `full` profiles; neighbouring steps of a melody are correlated, so the p-value is optimistic
# and the grouped AUC is the number to compare between strategies. The two sides are not matched
# in every respect (training windows start anywhere in a tune, generation starts at middle C), so
# even a perfect model would not score exactly 0.5.

# %%
plots.interval_chart(
    evidence.label(runs),
    "state_auc",
    "Training vs generation hidden states: classifier AUC",
    "ROC AUC (0.5 = indistinguishable)",
    reference=0.5,
)

# %%
show.table(
    evidence.interval_table(
        runs, {"state_auc": "AUC", "state_accuracy": "accuracy", "mmd": "MMD²", "mmd_p": "MMD p-value"}
    ),
    f"Two-sample tests between teacher-forced and free-running hidden states (mean [interval]; {ci})",
)

# %% [markdown]
# ## Training and held-out loss
#
# Loss curves of the first seed; the tables below cover every seed.

# %%
curves = study.curves(s)
plots.loss_curves(curves, "train", "Training loss, all strategies (moving mean over 50 iterations)")

# %%
plots.loss_curves(curves, "eval", "Validation loss, all strategies (teacher-forced, no dropout)")

# %% [markdown]
# **Held-out fit** is the honest measure of what a model learned about melodies: the
# teacher-forced negative log-likelihood per event on the whole held-out split (lower is better),
# its perplexity, and how often the most likely next event is the true one, overall and by kind of
# event. Most events are `NO_EVENT` (a note or rest goes on), so the accuracy on note onsets says
# more about the melodic choices.

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
show.table(evidence.interval_table(runs, fit_columns), f"Test-split fit by kind of event (mean [interval]; {ci})")

# %%
plots.interval_chart(evidence.label(runs), "nll", "Held-out NLL per event", "nats per event (lower is better)")

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
    f"Paired differences against the baseline (strategy − baseline, same seed; mean [interval]; {ci})",
)

# %% [markdown]
# ## The "log likelihood" table
#
# The poster's table gives, per strategy, the log-likelihood of its generated melodies. Magenta
# reports, for a generated melody, the sum over the sampled events (all but the primer) of the log
# probability *the model itself* gave the event it sampled. We compute exactly that for 10
# melodies of 128 steps primed at middle C, per seed, and average over seeds.

# %%
show.table(evidence.likelihood_table(runs), "Log-likelihood of generated melodies: the poster's and ours")

# %%
plots.likelihood_chart(study.sample_frame(samples))

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
# real ones as the real ones sit among themselves. The last column does the same for as many real
# training melodies as there are generated ones per run: the overlap two samples of real music
# reach.

# %%
plots.feature_chart(
    evidence.feature_overview(found),
    "Overlap with held-out melodies per feature (mean over seeds; 1 = as close as real melodies)",
)

# %%
per_run = found.features.groupby(["strategy", "seed"], as_index=False)[["overlap", "kl"]].mean()
display(
    show.table(
        evidence.interval_table(per_run, {"overlap": "mean overlap (9 features)", "kl": "mean KL"}),
        f"Generated vs test melodies, averaged over the nine features (mean [interval]; {ci})",
    )
)
display(
    Markdown(
        f"Real training melodies against the same held-out ones: mean overlap "
        f"**{found.reference_features.overlap.mean():.3f}**, mean KL "
        f"**{found.reference_features.kl.mean():.3f}**."
    )
)

# %% [markdown]
# ## Exposure bias, made visible
#
# Scheduled sampling and professor forcing exist because of *exposure bias*: a teacher-forced
# model only ever reads true histories, and in generation it must read its own. We measure it.
# For up to 128 held-out melodies, the model reads one of three beginnings of *p* events and then
# scores the melody's real next 32 events: the melody's **real** beginning; the beginning of
# **another** real melody; or **its own** free run of *p* events from the melody's first note.
# Own minus real mixes two costs: the continuation does not follow an invented beginning, and
# the beginning is the model's own. Own minus other keeps only the second, since both beginnings
# are foreign to the continuation: the **excess** cost of reading its own output instead of real
# music, which is exposure bias. At *p* = 1 the own beginning is the real first note, so the
# excess starts negative.

# %%
excess = intervals.summarise(evidence.label(found.exposure), "excess", by=["strategy", "prefix"])
plots.exposure_chart(excess, f"Exposure bias: NLL after own minus after another melody's beginning ({ci})")

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
    f"Continuation NLL per event after a beginning of {int(longest.prefix.max())} steps (mean [interval]; {ci})",
)

# %% [markdown]
# ## How far the verdicts depend on the settings
#
# Each claim's comparison, recomputed at every tuning setting: the setting's run against the other
# strategies at their chosen settings, at the first seed. These are not verdicts (one seed each);
# the *seed spread* column is the standard deviation of the same margin over the seeds of the
# final comparison, the yardstick for a margin at one seed. A claim that flips only where the
# margin is within the seed spread does not hinge on the setting.

# %%
robust = tuning.robustness(s, found)
if len(robust):
    display(show.table(tuning.flips(robust), "Where each claim holds and flips across the tuning settings"))
    verdict_hinges = tuning.hinges(robust)
    display(show.table(verdict_hinges, "Claims robust to the settings, and those that hinge on one"))
    display(
        show.table(
            robust.round(4),
            "Every claim at every tuning setting (one seed each; margin > 0: the claimed direction)",
        )
    )
else:
    display(Markdown(f"The `{profile}` profile has no tuning settings to vary; the `full` profile does."))

# %% [markdown]
# ## The poster's claims, checked
#
# Each claim of the poster's Discussion and Conclusion becomes paired comparisons over seeds (see
# `melodyreg.evaluation.claims`): **supported** when every comparison goes the claimed way with an
# interval that excludes zero, **contradicted** when one goes the other way with such an interval,
# **inconclusive** otherwise.

# %%
timings = speed.step_times(s)
verdicts = claims.verdicts(runs, timings)
show.table(verdicts, "The poster's claims against this study (test split; settings chosen by validation NLL)")

# %%
quality_runs = found.runs[found.runs.rule == "quality"]
if len(quality_runs) and set(quality_runs.strategy) == set(runs.strategy):
    display(
        show.table(
            claims.verdicts(quality_runs, timings),
            "The same claims with each strategy at the setting chosen by validation sample quality",
        )
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
    f"Generalization: teacher-forced NLL on fixed training windows and on the test split (mean [interval]; {ci})",
)

# %%
pf = runs[runs.strategy == "professor_forcing"][["seed", "setting", "gate_open", "d_accuracy", "nll"]]
show.table(
    pf.round(4), "Professor forcing per run: share of steps with the adversarial term on, discriminator accuracy"
)

# %%
counts = verdicts["verdict"].value_counts()
untested = int(verdicts["verdict"].str.startswith("untested").sum())
display(
    Markdown(
        f"Of the poster's {len(verdicts)} claims, this study supports **{counts.get('supported', 0)}**, "
        f"contradicts **{counts.get('contradicted', 0)}**, leaves **{counts.get('inconclusive', 0)}** "
        f"undecided and **{untested}** untested, at the `{profile}` profile with {len(s.seeds)} seed(s) per strategy."
        + (" Below three seeds no claim is judged: the `full` profile trains five." if untested else "")
    )
)
