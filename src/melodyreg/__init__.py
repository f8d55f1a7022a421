"""melodyreg: regularization techniques for RNN-generated melodies, rebuilt.

Layers, each importing only the ones below it (checked by import-linter, see
``pyproject.toml``); a line marked ``|`` is a sibling of the line above it, in the
same layer, and siblings do not import each other::

    cli          the command line (python -m melodyreg)
    report       charts, audio, offline HTML, what the chapters say, the book build
    evaluation   the comparison, measures, intervals over seeds, the poster's claims
    runs         the run store, training runs on Dask, the study
    model        MelodyRNN, strategies, the training loop, generation
    data         corpus sources, melodies, the prepared corpus, split, windows
    options      every value a user gives, checked before work starts
    protocol     the study's protocol per profile: seeds, search space, sweep sizes
    config       frozen settings and profiles, the run key
  | console      progress on the terminal, TensorFlow kept quiet
    typecheck    settings fields checked against their annotations
  | files        atomic writes and SHA-256 of result files
  | hardware     the machine a number came from (CPU, vector extensions, oneDNN)
  | prose        words for text built from numbers: counts with their nouns, lists
    constants    event codes, ranges, paths, the poster's numbers

The chapters in ``book/`` sit on top and call into ``runs``, ``evaluation`` and
``report``.
"""

from melodyreg import console as _console

__version__ = "0.1.0"

# Before anything imports TensorFlow: its import-time log lines stay off the terminal in every process
# that imports this package (the CLI, the chapters' kernels, Dask's workers) unless --verbose.
_console.quiet_tensorflow()
