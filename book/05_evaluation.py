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
profile = "poster"  # "smoke" (CI) or "poster" (2 x 64 LSTM, batch 32, 5,000 iterations)
seed = 2017  # seeds the split, the weights, every random draw in training, and sampling
source = None  # None: the profile's corpus (folk tunes); or "essen", "maestro", "midi"
path = None  # MAESTRO zip/folder or MIDI folder for those sources
maestro_split = None  # "random" (poster) or "official"
workers = None  # processes for corpus preparation and training; None uses every core
iterations = None  # training iterations per strategy; None: the profile's (5,000 at "poster")
num_melodies = 10  # generated melodies per strategy (the poster's 10)
melody_steps = 128  # steps per generated melody, the primer (middle C) included
temperature = 1.0  # sampling temperature
tsne_states = None  # hidden states per side in each t-SNE panel; None: the profile's default

# %%
from IPython.display import Markdown, display

from melodyreg import claims, plots, study
from melodyreg import display as show

show.enable_offline_charts()

# %% [markdown]
# # Evaluation: the poster's results, recomputed
#
# This chapter puts the four strategies side by side as the poster's results section did: hidden
# states in training and in generation, losses, and the log-likelihood of generated melodies. The
# poster's own numbers appear only where labelled as such; everything else is computed from the
# runs of the previous chapters (reused from the artifact store, not retrained).

# %%
s = study.run_study(profile, seed=seed, source=source, path=path, maestro_split=maestro_split, workers=workers,
                    overrides={"iterations": iterations})
samples = study.sample(s, num=num_melodies, steps=melody_steps, temperature=temperature)
states = study.hidden_state_sets(s, samples, per_side=tsne_states or study.TSNE_STATES.get(profile, 1000))

# %% [markdown]
# ## Hidden states in training and in generation
#
# For each strategy, the hidden states of both LSTM layers (128 numbers per step) are collected
# in two situations: **teacher-forced on training melodies** (red) and **free-running while
# generating** the melodies above (blue), the same number of steps from each. t-SNE maps each
# strategy's two sets together into two dimensions. The poster read these maps by eye; t-SNE
# distorts distances, so beside it we give a number: the 5-fold accuracy of a logistic regression
# telling the two sets apart (*separability*; 0.5 means they cannot be told apart).

# %%
plots.tsne_chart(study.tsne_frame(states, seed))

# %%
separability = study.state_separability(states, seed)
show.table(separability.round(3), "Separability of training and generation hidden states (0.5 = indistinguishable)")

# %% [markdown]
# ## Training and evaluation loss

# %%
curves = study.curves(s)
plots.loss_curves(curves, "train", "Training loss, all strategies (moving mean over 50 iterations)")

# %%
plots.loss_curves(curves, "eval", "Held-out loss, all strategies (teacher-forced, no dropout)")

# %%
losses = study.final_losses(s)
show.table(losses.round(4), "Final training and held-out losses and training wall time")

# %% [markdown]
# ## The "log likelihood" table
#
# The poster's table gives, per strategy, the log-likelihood of its generated melodies. Magenta
# reports, for a generated melody, the sum over the sampled events (all but the primer) of the log
# probability *the model itself* gave the event it sampled. We compute exactly that, for the
# same 10 melodies of 128 steps primed at middle C, and show the mean and spread over the 10.

# %%
likelihood = study.likelihood_table(s, samples)
show.table(likelihood.round(3), "Log-likelihood of generated melodies: the poster's and ours")

# %%
per_melody = study.sample_frame(samples)
plots.likelihood_chart(per_melody)

# %% [markdown]
# :::{important}
# **What this number measures.** The log-likelihood of a model's *own* samples is minus the
# entropy of its output, estimated from ten draws. It is highest for a model that is confident and
# repetitive, whatever the music it learned: a model that always played the same note would score
# 0, the best possible value. It says nothing about how well the model fits real melodies. The
# held-out NLL per event in the same table does: it is the loss on melodies the model never saw,
# with lower being better. A strategy can "win" the poster's table by becoming more predictable
# while fitting held-out music no better, or worse; the two columns must be read together.
# :::
#
# The poster's absolute values are not comparable with ours: its corpus (polyphonic piano
# performances, reduced to their top line) is far less predictable than notated folk tunes. The
# comparison that carries over is the ordering of the strategies.
#
# ## The poster's claims, checked
#
# Each claim of the poster's Discussion and Conclusion, turned into a rule over the numbers above
# and judged on this run (see `melodyreg.claims` for the rules). One seed per strategy can show
# that a claim fails here; it cannot establish that it holds in general.

# %%
summary = per_melody.groupby("name", as_index=False)["log_likelihood"].mean().rename(columns={"name": "strategy"})
verdicts = claims.verdicts(losses, summary, separability)
show.table(verdicts, "The poster's claims against this run")

# %%
counts = verdicts["verdict"].value_counts()
display(Markdown(
    f"Of the poster's {len(verdicts)} claims, this run supports **{counts.get('supported', 0)}**, "
    f"contradicts **{counts.get('contradicted', 0)}** and leaves **{counts.get('inconclusive', 0)}** "
    f"undecided, at the `{profile}` profile with seed {seed}."
))
