"""Time corpus preparation: first run (empty cache, all cores) and cached load.

    .venv/bin/python benchmarks/prepare_corpus.py [--profile poster] [--sequential]

Targets on the 2-core CI machine for the default (poster) corpus: first run <= 180 s,
cached <= 5 s. `--sequential` also times one worker process, the reference for the
parallel speed-up, measured in the same run.
"""

import argparse
import tempfile
import time

from melodyreg import config
from melodyreg.data import dataset


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="poster")
    parser.add_argument("--sequential", action="store_true", help="also time a single worker (slow)")
    args = parser.parse_args()
    data = config.data_config(args.profile)
    with tempfile.TemporaryDirectory() as cache:
        first, corpus = timed(lambda: dataset.prepare(data, cache_dir=cache, progress=False))
        cached, again = timed(lambda: dataset.prepare(data, cache_dir=cache, progress=False))
        assert again.summary() == corpus.summary(), "cache returned a different corpus"
        print(f"corpus ({args.profile}): {corpus.summary()}")
        print(f"first run, all cores : {first:7.1f} s   (target <= 180 s: {first / 180:.2f} of budget)")
        print(f"cached load          : {cached:7.2f} s   (target <= 5 s: {cached / 5:.2f} of budget)")
        print(f"cached / first run   : {cached / first:.4f}")
        if args.sequential:
            with tempfile.TemporaryDirectory() as other:
                single, _ = timed(lambda: dataset.prepare(data, cache_dir=other, workers=1, progress=False))
            print(f"one worker           : {single:7.1f} s   parallel speed-up {single / first:.2f}x")


if __name__ == "__main__":
    main()
