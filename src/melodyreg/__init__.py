"""melodyreg: regularization techniques for RNN-generated melodies, rebuilt.

Layers, each importing only the ones below it (checked by import-linter, see
``pyproject.toml``)::

    cli          the command line (python -m melodyreg)
    report       charts, audio, offline HTML, the book build
    evaluation   measures, intervals over seeds, the poster's claims
    runs         the run store, training runs on Dask, the study
    model        MelodyRNN, strategies, the training loop, generation
    data         corpus sources, melodies, the prepared corpus, split, windows
    options      every value a user gives, checked before work starts
    config       frozen settings and profiles
    constants    event codes, ranges, paths, the poster's numbers
    files        atomic writes and SHA-256 of result files

The chapters in ``book/`` sit on top and call into ``runs``, ``evaluation`` and
``report``.
"""

from melodyreg import console as _console

__version__ = "0.1.0"

# Before anything imports TensorFlow: its import-time log lines stay off the terminal in every process
# that imports this package (the CLI, the chapters' kernels, Dask's workers) unless --verbose.
_console.quiet_tensorflow()
