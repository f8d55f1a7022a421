"""Runs layer: runs persisted by config hash, trained on Dask, gathered into the study.

Modules: ``store`` (persisting, verifying and loading runs), ``sweep`` (training runs, locally
or on Dask), ``study`` (every run the chapters show). Imports the model and data layers and the
low-level modules below them (``options``, ``protocol`` and the rest; see the package docstring).
"""
