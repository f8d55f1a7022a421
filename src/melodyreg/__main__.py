"""``python -m melodyreg``: the command line of :mod:`melodyreg.cli`."""

import sys

from melodyreg.cli import main

if __name__ == "__main__":
    main(sys.argv[1:])
