"""Command line: ``python -m melodyreg <command> --help``.

Commands:
    prepare            prepare (and cache) a corpus, print its counts and every skipped file
    train              train one strategy (or reuse its finished run) and print its losses
    generate           sample melodies from a trained strategy and write them as MIDI
    book               execute the chapters with papermill and build the HTML book
    download-maestro   download a MAESTRO MIDI release and verify its size and SHA-256

A mistake on the command line (an unknown strategy, a setting of the wrong type or
out of range, a number that is not finite, a path of the wrong kind) ends with one
line, ``error: ...``, naming the option and the value, on stderr and exit status 2,
before any corpus is prepared, kernel or cluster started or download begun: every
option, ``-s`` setting and ``book -p`` parameter is checked first by
:func:`melodyreg.options.check`. ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import ast
import shlex
import sys

from melodyreg import config, console, options
from melodyreg.typecheck import shown

# Errors a user can cause and fix; anything else is a bug and keeps its traceback.
USER_ERRORS = (ValueError, OSError, LookupError)
SKIPPED_SHOWN = 20  # skipped files listed by `prepare` before "... and N more"


class UsageError(ValueError):
    """A command line that cannot be carried out as given."""


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors in the one-line form of every other user error."""

    def error(self, message: str) -> None:
        print(f"error: {message} (see {self.prog} --help)", file=sys.stderr)
        sys.exit(2)


def _parse_parameters(items: list[str]) -> dict:
    """``key=value`` pairs; values are Python literals where they parse as one, else strings."""
    params = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"parameters take the form key=value, got {item!r}")
        try:
            params[key] = ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):  # not a literal: a string
            params[key] = value
    return params


# The options of `prepare`, `train`, `generate` and `download-maestro` that melodyreg.options checks.
CHECKED = ("profile", "source", "path", "workers", "strategy", "seed", "runs_dir")
CHECKED += ("num", "steps", "primer", "temperature", "out", "dest")


def _label(name: str) -> str:
    """How an option or setting is written on the command line: ``--runs-dir``, ``-s iterations``."""
    return f"-s {name}" if name in config.SETTINGS else "--" + name.replace("_", "-")


def _check(args: argparse.Namespace) -> options.Checked:
    """Every option of the command and its ``-s`` settings, checked before any work starts."""
    values = {name: getattr(args, name) for name in CHECKED if hasattr(args, name)}
    settings = _parse_parameters(args.set) if hasattr(args, "set") else None
    return options.check(values, settings=settings, label=_label)


def _prepare(args: argparse.Namespace) -> None:
    checked = _check(args)
    from melodyreg.data import dataset

    corpus = dataset.prepare(checked.data, workers=checked.values["workers"])
    for key, value in corpus.summary().items():
        print(f"{key:>22}: {value:,}")
    table = corpus.report.table()
    print("\nleft out or repaired, by reason:" if len(table) else "\nnothing left out or repaired")
    for row in table.itertuples(index=False):
        print(f"{row.count:>10,}  {row.stage}: {row.reason}")
    named = {
        "skipped or ignored files and pieces": corpus.skipped_table(),
        "pieces kept whose notes the MIDI reader changed": corpus.changed_table(),
    }
    for title, frame in named.items():
        lines = [f"  {row[0]}  ({': '.join(row[1:])})" for row in frame.itertuples(index=False)]
        if lines:
            print(f"\n{title} ({len(lines):,}):", *lines[:SKIPPED_SHOWN], sep="\n")
        if len(lines) > SKIPPED_SHOWN:
            print(f"... and {len(lines) - SKIPPED_SHOWN:,} more (Corpus.skipped_table() and changed_table() list all)")


def _corpus(checked: options.Checked):
    """The corpus, its split, and the run's config keyed by the split's melodies."""
    import dataclasses

    from melodyreg.data import dataset, splits

    corpus = dataset.prepare(checked.data, workers=checked.values["workers"])
    parts = splits.split(corpus, checked.experiment.seed)
    return corpus, parts, dataclasses.replace(checked.experiment, split_digest=parts.digest)


def _runs_dir(checked: options.Checked):
    from pathlib import Path

    from melodyreg import constants as C

    return Path(checked.values["runs_dir"]) if checked.values["runs_dir"] else C.RUNS_DIR


def _train(args: argparse.Namespace) -> None:
    checked = _check(args)
    from melodyreg.runs import sweep

    corpus, parts, experiment = _corpus(checked)
    run = sweep.ensure_runs([experiment], corpus, parts, workers=1, runs_dir=_runs_dir(checked))[0]
    evals = run.history[run.history.phase == "eval"]
    print(f"run folder: {run.folder}  ({run.seconds:.0f} s of training)")
    print(evals[["iteration", "loss", "perplexity", "accuracy"]].tail(5).to_string(index=False))


def _train_command(args: argparse.Namespace) -> str:
    """The ``train`` command line that trains the run ``generate`` was asked for."""
    words = ["python", "-m", "melodyreg", "train", "--strategy", args.strategy, "--profile", args.profile]
    words += ["--seed", str(args.seed)]
    for name in ("source", "path", "runs_dir"):
        if getattr(args, name) is not None:
            words += [_label(name), getattr(args, name)]
    for setting in args.set:
        words += ["-s", setting]
    return shlex.join(words)


def _refuse_damaged(args: argparse.Namespace, problems: list[str | None]) -> None:
    """One line if every finished run at hand failed verification (``problems``: a reason or ``None`` each)."""
    if problems and all(problems):
        raise UsageError(
            f"the finished {args.strategy} run for these settings failed verification ({problems[0]}); "
            f"train it again: {_train_command(args)} (or add --train-if-missing)"
        )


def _generate(args: argparse.Namespace) -> None:
    from pathlib import Path

    checked = _check(args)
    from melodyreg.runs import store, sweep

    # never trains silently, and never says it retrains when it does not; with nothing to use, say so
    # before a corpus is prepared (a run's key names its melodies, known only once the corpus is split)
    if not args.train_if_missing:
        alike = store.finished_alike(checked.experiment, _runs_dir(checked))
        if not alike:
            raise UsageError(
                f"no finished {args.strategy} run for these settings; train it first: {_train_command(args)} "
                "(or add --train-if-missing)"
            )
        _refuse_damaged(args, [store.damage_at(folder) for folder in alike])
    corpus, parts, experiment = _corpus(checked)
    if not args.train_if_missing:
        _refuse_damaged(args, [store.damage(experiment, _runs_dir(checked))])
        if store.load(experiment, _runs_dir(checked)) is None:
            raise UsageError(
                f"the finished {args.strategy} runs for these settings trained on other melodies (the corpus "
                f"or its split changed since); train it again: {_train_command(args)} (or add --train-if-missing)"
            )
    run = sweep.ensure_runs([experiment], corpus, parts, workers=1, runs_dir=_runs_dir(checked))[0]
    from melodyreg.model import generation

    sampled = generation.generate(
        run.model(),
        num=checked.values["num"],
        steps=checked.values["steps"],
        primer=checked.values["primer"],
        temperature=checked.values["temperature"],
        seed=checked.experiment.seed,
    )
    out = Path(checked.values["out"])
    out.mkdir(parents=True, exist_ok=True)
    for i, ll in enumerate(sampled.log_likelihood):
        path = out / f"{args.strategy}-{i + 1:02d}.mid"
        path.write_bytes(sampled.midi(i))
        print(f"{path}  log-likelihood {ll:8.2f}  ({ll / sampled.log_probs.shape[1]:.3f} per step)")


def _book(args: argparse.Namespace) -> None:
    from melodyreg.report import build as book

    parameters = book.check_request(args.profile, _parse_parameters(args.parameter), args.only or None)
    try:
        book.build(args.profile, parameters, only=args.only or None, strict=not args.lenient, verbose=args.verbose)
    except book.ChapterError as error:  # the traceback is in the failed notebook, not in ours
        if args.debug:
            raise
        print(f"error: {' '.join(str(error).split())}", file=sys.stderr)
        sys.exit(1)


def _download(args: argparse.Namespace) -> None:
    _check(args)
    from melodyreg.data import maestro

    if args.release not in maestro.RELEASES:
        raise UsageError(
            f"--release {shown(args.release)} is no MAESTRO release; known: {', '.join(sorted(maestro.RELEASES))}"
        )
    print(maestro.download(args.dest, args.release))


def parser() -> argparse.ArgumentParser:
    """The command line's parser."""
    profiles = sorted(config.PROFILES)
    top = _Parser(prog="python -m melodyreg", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    top.add_argument("--debug", action="store_true", help="show the traceback of an error")
    top.add_argument(
        "--verbose", action="store_true", help="show TensorFlow's C++ log lines and the Jupyter kernels' messages"
    )
    commands = top.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--profile", default="poster", choices=profiles, help="default poster")
        sub.add_argument("--source", default=None, choices=config.SOURCES, help="default: the profile's (folk)")
        sub.add_argument("--path", default=None, help="MAESTRO zip/folder, MIDI folder or one MIDI file")
        sub.add_argument("--workers", type=int, default=None, help="processes preparing the corpus (default: all)")
        sub.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show the traceback")
        sub.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS, help="show TensorFlow's logs")

    prep = commands.add_parser("prepare", help="prepare and cache a corpus")
    common(prep)
    prep.set_defaults(run=_prepare)

    def training_options(sub: argparse.ArgumentParser) -> None:
        common(sub)
        sub.add_argument("--strategy", default="baseline", choices=config.STRATEGIES, help="default baseline")
        sub.add_argument("--seed", type=int, default=2017, help="run seed (split, weights, sampling)")
        sub.add_argument(
            "-s",
            "--set",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="override a model/strategy/training setting, e.g. -s iterations=200 -s ss_k=100",
        )
        sub.add_argument("--runs-dir", default=None, help="the run store (default: runs/ in the repository)")

    tr = commands.add_parser("train", help="train one strategy (finished runs are reused)")
    training_options(tr)
    tr.set_defaults(run=_train)

    gen = commands.add_parser("generate", help="sample melodies from a trained strategy")
    training_options(gen)
    gen.add_argument("--num", type=int, default=10, help="melodies (default 10)")
    gen.add_argument("--steps", type=int, default=128, help="steps per melody, primer included (128)")
    gen.add_argument("--primer", type=int, nargs="+", default=[60], help="primer events (default 60, middle C)")
    gen.add_argument("--temperature", type=float, default=1.0)
    gen.add_argument("--out", default="generated", help="folder for the MIDI files")
    gen.add_argument(
        "--train-if-missing", action="store_true", help="train the run first if it is not finished (never silently)"
    )
    gen.set_defaults(run=_generate)

    bk = commands.add_parser("book", help="execute the chapters and build the HTML book")
    bk.add_argument("--profile", default="poster", choices=profiles, help="default poster")
    bk.add_argument(
        "-p",
        "--parameter",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="papermill parameter for every chapter, e.g. -p seed=3 (repeatable)",
    )
    bk.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="CHAPTER",
        help="execute only this chapter (e.g. 01_data); others keep their last run",
    )
    bk.add_argument("--lenient", action="store_true", help="do not turn Sphinx warnings into errors")
    bk.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show the traceback")
    bk.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS, help="show TensorFlow's logs")
    bk.set_defaults(run=_book)

    dl = commands.add_parser("download-maestro", help="download and verify MAESTRO (MIDI only)")
    dl.add_argument("--dest", default="data/maestro", help="folder for the zip (default data/maestro)")
    dl.add_argument("--release", default="v3.0.0", help="v1.0.0 or v3.0.0 (default)")
    dl.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show the traceback")
    dl.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS, help="show TensorFlow's logs")
    dl.set_defaults(run=_download)
    return top


def main(argv: list[str] | None = None) -> None:
    """Run one command; a user error ends with one ``error:`` line on stderr and exit status 2."""
    args = parser().parse_args(argv)
    # TensorFlow's C++ log lines (start-up chatter, not our errors) stay off here, in the chapters'
    # kernels and on Dask's workers, which inherit the environment; --verbose brings them back
    console.quiet_tensorflow(verbose=args.verbose)
    try:
        args.run(args)
    except USER_ERRORS as error:
        if args.debug:
            raise
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"error: {message}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("error: interrupted (finished runs and checkpoints are kept)", file=sys.stderr)
        sys.exit(130)
