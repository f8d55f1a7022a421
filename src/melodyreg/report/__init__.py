"""Report layer: charts, audio, offline HTML, and the book build.

Modules: ``plots`` (Altair charts), ``display`` (offline HTML, players), ``audio`` (FluidSynth →
OGG), ``findings`` (what the evaluation chapter says), ``figures`` (its composite charts and
tables), ``observations`` (what the runs at hand show, in sentences), ``sentences`` (sentences from
the evaluation's tables and the recorded build, and strategy names in words), ``regularizers`` (what
the chapters on each regularizer say), ``tables`` (the evaluation's tables by display label),
``corpus`` (what the data chapter says), ``environment`` (the build's environment and times),
``build`` (papermill + Jupyter Book), ``browser`` (the offline Chromium check), ``sphinx_offline``
and ``sphinx_captions`` (Sphinx extensions). The top layer below the chapters and the CLI.
"""
