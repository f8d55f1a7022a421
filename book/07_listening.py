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

# %%
from IPython.display import display

from melodyreg.report import display as show
from melodyreg.report import plots
from melodyreg.runs import study

show.enable_offline_charts()

# %% [markdown]
# # Listening
#
# Tables and intervals say how the strategies differ; this page lets you hear it. Below are, for
# the same primer (middle C), the first melody each strategy generated in its chapter (first seed,
# default setting, the same draw; SeqGAN's default knobs start from the chosen baseline) and a real melody from the test side that also begins on middle
# C, each as a piano roll ({numref}`fig-listening`) and as audio. Listen for whether a melody keeps
# a key and a metre, how often it repeats itself, and whether it ends up on one note.

# %%
s = study.from_parameters(globals())
samples = study.sample(s, num=num_melodies, steps=melody_steps, temperature=temperature)
real_index, real = study.real_example(s, steps=melody_steps)
real_start = (
    "that begins on middle C" if study.begins_like_primer(real) else "(none on the test side begins on middle C)"
)
rolls = {show.strategy_label(name): sampled.classes[0] for name, sampled in samples.items()}
rolls[f"Real (test side): {s.corpus.titles[s.corpus.melody_piece[real_index]] or 'untitled'}"] = real
show.figure(
    plots.piano_rolls(rolls),
    "fig-listening",
    f"One melody of {melody_steps} steps per strategy, all primed with middle C (the first of each "
    f"chapter's gallery), and a real test melody {real_start}. Dotted lines mark every 16 steps (four quarter "
    "notes), a grid for reading the rhythm, not bar lines: neither a generated melody nor the encoded "
    "real one carries a time signature, and a tune in 6/8, say, has bars of 12 steps.",
)

# %%
for player in show.melody_players([show.events(classes) for classes in rolls.values()], list(rolls), "listening"):
    display(player)

# %%
for name, sampled in samples.items():
    show.glue(f"listen-ll-{name}", f"{sampled.log_likelihood[0] / sampled.log_probs.shape[1]:.2f}")

# %% [markdown]
# ## What this shows
#
# One melody per strategy is an anecdote, not evidence: it shows what the numbers of the other
# chapters sound like, not which strategy is better. Per sampled event, these five melodies have
# log-likelihoods of {glue:text}`listen-ll-baseline` (baseline), {glue:text}`listen-ll-dropout`
# (dropout), {glue:text}`listen-ll-scheduled_sampling` (scheduled sampling),
# {glue:text}`listen-ll-professor_forcing` (professor forcing) and {glue:text}`listen-ll-seqgan`
# (SeqGAN) under the model that made them: the
# closer to 0, the more predictable the melody is to its own model, which is what the poster's
# table measures.
