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
from melodyreg.evaluation import comparison, recorded
from melodyreg.report import display as show
from melodyreg.report import environment, sentences

show.enable_offline_charts()

# %% [markdown]
# # Reproducibility
#
# What a reader needs to rebuild, check or extend this book: the environment it was built in, how
# long each part took, every choice the poster left open with the setting we made, and the terms
# under which the code, the data and the sounds may be used. The tables on this page are computed
# when the book is built.
#
# ## The build's environment
#
# {numref}`tbl-environment` records where and with what this build ran: the date, the commit, the
# machine and the versions of the packages that shape its numbers.

# %%
show.table(
    environment.environment_table(),
    "The environment of this build: date, commit, Python, operating system, CPU, and the versions of the "
    "packages that shape its numbers and pages (all pinned in `requirements.lock`).",
    name="tbl-environment",
)

# %% [markdown]
# ## Time
#
# {numref}`tbl-chapter-times` gives the wall time of each chapter before this one, at its latest
# execution (a chapter that only reuses stored runs takes seconds); {numref}`tbl-run-times` the
# training time of every run the study used, as measured when it trained (summed over sessions for
# a resumed run). Two runs train side by side on a two-core machine, so the build's wall time for
# training is about half the sum.

# %%
show.table(
    environment.chapter_times_shown(),
    "Wall time of each chapter at its latest execution, in seconds (a build of every chapter starts a new record).",
    name="tbl-chapter-times",
)

# %%
final, _ = comparison.final_study(globals())  # the evaluation chapter's study, its choices trained
run_times = environment.run_times(comparison.every_run(final))
show.table(
    run_times,
    f"Training time of each of the {len(run_times)} runs of this study, in seconds "
    f"({run_times.seconds.sum() / 3600:.1f} hours in all), and the machine that trained it.",
    name="tbl-run-times",
)

# %% [markdown]
# ## What reproduces, bit for bit, and on what
#
# Every random draw of a build is seeded from the chapter's `seed`, so the same commit, parameters
# and package versions give the same weights and the same numbers **on the same kind of CPU**: the
# test suite checks that an interrupted and resumed run ends with the weights of an uninterrupted
# one, and that a small training repeats byte for byte with TensorFlow's oneDNN optimisations on,
# and again with them off. Whether on and off agree with each other depends on the CPU (on an
# AVX-512 machine they did; on an AVX2 machine with oneDNN forced on they did not), so whether
# oneDNN was on is part of the machine a run records. Across kinds of CPU bit-identity no longer
# holds at all. TensorFlow picks its kernels by
# the vector extensions it finds (AVX2, AVX-512, VNNI, BF16), and another kernel sums in another
# order: after 5,000 iterations the rounding differences have grown into a different run, as far
# from the first as a run with another seed. A build on another kind of machine is therefore
# another draw, not a copy, and a difference between two builds of that size is no defect. Every
# run records the machine that finished it ({numref}`tbl-run-times`); {numref}`tbl-machines`
# counts this build's runs by kind of machine ({glue:text}`repro-machines`).

# %%
machines = environment.run_machines(run_times)
show.table(
    machines,
    "The machines that trained this build's runs: CPU model, vector extensions, and whether oneDNN was on "
    "(runs stored before machines were recorded show as not recorded).",
    name="tbl-machines",
)

# %% [markdown]
# The recorded `full` build ({ref}`sec-recorded`) trained some runs that this build trains too:
# the same settings and code, hence the same run folder. Where the two were trained on different
# kinds of machine, {numref}`tbl-across-machines` puts their final validation losses side by side;
# the spread of the same loss over the seeds of one setting is the yardstick:
# {glue:text}`repro-seed-spread`.

# %%
past, missing = recorded.latest("full")
show.table(
    sentences.record_across_machines(past, missing, comparison.every_run(final)),
    "Runs of this build that the recorded `full` build also trained: the machine of each and the final "
    "validation loss (on one kind of machine the difference is 0).",
    name="tbl-across-machines",
)

# %% [markdown]
# ## The choices the poster left open
#
# The poster names its architecture, batch size, iteration count, split and strategies, but not
# the settings below. {numref}`tbl-choices` lists ours (read from `melodyreg.config` and `melodyreg.protocol`, so the table
# cannot drift from the code) and why; the `full` profile tunes the strategies' own knobs instead
# of trusting these defaults. The poster's own code was published at
# `github.com/nalinimsingh/9.520-MelodyRnn-Regularization` {cite}`singh2017code`; it can no longer
# be retrieved, so none of these choices could be checked against it.

# %%
show.table(environment.choices_table(), "Choices the poster left open, our settings, and why.", name="tbl-choices")

# %% [markdown]
# ## Licences
#
# - **Code.** The `melodyreg` package, the chapters and the tests are under the Apache License 2.0
#   (`LICENSE` in the repository).
# - **The default corpus.** The folk-tune collections read from music21's corpus (O'Neill's *Music of
#   Ireland*, 1903; *Ryan's Mammoth Collection*, 1883; *Aird's Airs*, 1782–1797; a few miscellaneous
#   tunes) are public-domain tunes in ABC transcriptions distributed with music21 under its BSD
#   3-clause licence.
# - **Essen.** The Essen folksong collection, also in music21, may be used for non-commercial
#   purposes only; it is therefore not part of the default build.
# - **MAESTRO**, the poster's data, is published by Google under Creative Commons
#   Attribution-NonCommercial-ShareAlike 4.0; the package reads a copy the user downloads.
# - **Sound.** Audio is rendered with FluidSynth (LGPL 2.1, a system program, not distributed here)
#   and the TimGM6mb SoundFont that pretty_midi ships (by Tim Brechbill, GPL 2); the rendered audio
#   in the pages is output of the SoundFont, not the SoundFont itself.

# %%
spread = recorded.seed_spread(past) if past else None
show.glue_all(environment.reproducibility_glue(run_times, machines, spread))

# %% [markdown]
# ## What this shows
#
# This book was built from commit {glue:text}`repro-commit`; its study used
# {glue:text}`repro-runs` training runs, {glue:text}`repro-hours` hours of training on the machine
# above. Rebuilding it with the same commit, parameters and package versions on the same kind of
# machine gives the same numbers, since every random draw is seeded from the chapter's `seed`; on
# another kind of CPU the runs are new draws (see above); on the same kind only the
# timings differ (the run times above, the chapter times, and the step times behind the claim
# about training speed), as timings do from one run to the next. That claim's verdict can
# therefore change between two builds when its interval lies close to zero.
