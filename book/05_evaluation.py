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
from IPython.display import Markdown, display

from melodyreg.evaluation import claims, evidence, intervals, states
from melodyreg.report import display as show
from melodyreg.report import plots
from melodyreg.runs import study

show.enable_offline_charts()

# %% [markdown]
# # Evaluation: the poster's results, recomputed, and measures that can disagree with them
#
# The first half of this chapter redoes the poster's comparisons: hidden states in training and
# generation, losses, and the log-likelihood of generated melodies. The second half asks what the
# poster could not, with one run per strategy and a score the model gives itself: do the
# differences survive other training seeds, how well does each model fit melodies it never saw,
# do its melodies resemble real ones, does it really suffer less from its own mistakes, and how
# much do the strategies' own settings matter. Everything is computed here from the runs of the
# previous chapters, reused from the artifact store.
#
# **Intervals.** Each strategy is trained once per seed on the same split. A number is the mean
# over seeds with a 95 % bootstrap interval {cite}`efron1993bootstrap` that resamples seeds; a
# difference between strategies is paired by seed. A plain percentile bootstrap is much too narrow
# for a handful of seeds (83 % coverage at 5 seeds in simulation), so we use Hesterberg's expanded
# percentile interval {cite}`hesterberg2015teachers` (about 92 % at 5 seeds, 95 % at 10; see
# `melodyreg.evaluation.intervals`). Five seeds are still few: read an interval that barely excludes zero as
# a hint. With a single seed (the `poster` profile) there is nothing to resample and the interval
# is the value itself; the `full` profile trains five seeds.

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
per_side = tsne_states or states.TSNE_STATES.get(profile, 1000)
found = evidence.gather(s, num=num_melodies, steps=melody_steps, temperature=temperature, per_side=per_side)
runs = found.runs
display(
    Markdown(
        f"Profile `{profile}`: {len(s.seeds)} seed(s) per strategy ({', '.join(map(str, s.seeds))}), "
        f"{len(s.seed_runs)} runs, plus {sum(not r['default'] for r in s.sensitivity)} sensitivity runs."
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
    "Two-sample tests between teacher-forced and free-running hidden states (mean [95 % interval])",
)

# %% [markdown]
# ## Training and held-out loss
#
# Loss curves of the first seed; the tables below cover every seed.

# %%
curves = study.curves(s)
plots.loss_curves(curves, "train", "Training loss, all strategies (moving mean over 50 iterations)")

# %%
plots.loss_curves(curves, "eval", "Held-out loss, all strategies (teacher-forced, no dropout)")

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
show.table(evidence.interval_table(runs, fit_columns), "Held-out fit by kind of event (mean [95 % interval])")

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
    "Paired differences against the baseline (strategy − baseline, same seed; mean [95 % interval])",
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
        "Generated vs held-out melodies, averaged over the nine features (mean [95 % interval])",
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
plots.exposure_chart(excess, "Exposure bias: NLL after own minus after another melody's beginning (95 % interval)")

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
    f"Continuation NLL per event after a beginning of {int(longest.prefix.max())} steps (mean [95 % interval])",
)

# %% [markdown]
# ## Sensitivity to the strategies' own settings
#
# One run per setting at the first seed (so no interval: compare the spread here with the seed
# spread above before reading much into a difference). Scheduled sampling's $k$ sets how fast
# $\varepsilon$ decays; dropout's rate; professor forcing's weight $\lambda$ of the adversarial term,
# and its accuracy gates switched off (always train the discriminator unless perfect, always use
# its signal).

# %%
if len(found.sensitivity):
    sweep = found.sensitivity
    display(plots.sensitivity_chart(sweep, "nll", "Held-out NLL per event by setting", "NLL / event"))
    display(plots.sensitivity_chart(sweep, "state_auc", "Hidden-state AUC by setting", "AUC"))
    display(
        plots.sensitivity_chart(sweep, "log_likelihood", "Log-likelihood of own samples by setting", "log-likelihood")
    )
    display(
        show.table(
            sweep[["knob", "setting", "nll", "accuracy_note", "state_auc", "log_likelihood"]].round(4),
            "Sensitivity runs",
        )
    )
else:
    display(Markdown(f"The `{profile}` profile runs no sensitivity sweeps; the `full` profile does."))

# %% [markdown]
# ## The poster's claims, checked
#
# Each claim of the poster's Discussion and Conclusion becomes paired comparisons over seeds (see
# `melodyreg.evaluation.claims`): **supported** when every comparison goes the claimed way with a 95 %
# interval that excludes zero, **contradicted** when one goes the other way with such an interval,
# **inconclusive** otherwise.

# %%
verdicts = claims.verdicts(runs)
show.table(verdicts, "The poster's claims against this study")

# %%
counts = verdicts["verdict"].value_counts()
display(
    Markdown(
        f"Of the poster's {len(verdicts)} claims, this study supports **{counts.get('supported', 0)}**, "
        f"contradicts **{counts.get('contradicted', 0)}** and leaves **{counts.get('inconclusive', 0)}** "
        f"undecided, at the `{profile}` profile with {len(s.seeds)} seed(s) per strategy."
        + (" With one seed every interval is a point: these verdicts describe one run." if len(s.seeds) == 1 else "")
    )
)
