"""Report layer: charts, audio, offline HTML, and the book build.

Modules: ``plots`` (Altair charts), ``display`` (offline HTML, players), ``audio``
(FluidSynth → OGG), ``build`` (papermill + Jupyter Book), ``browser`` (the offline Chromium
check), ``sphinx_offline`` (a Sphinx extension). The top layer below the chapters and the CLI.
"""
