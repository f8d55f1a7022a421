"""Command line: ``python -m melodyreg <command> --help``.

Commands:
    prepare            prepare (and cache) a corpus, print its counts and skip report
    train              train one strategy (or reuse its finished run) and print its losses
    generate           sample melodies from a trained strategy and write them as MIDI
    book               execute the chapters with papermill and build the HTML book
    download-maestro   download a MAESTRO MIDI release and verify its size and SHA-256
"""

from __future__ import annotations

import argparse
import ast


def _parse_parameters(items: list[str]) -> dict:
    """``key=value`` pairs; values are Python literals where they parse as one, else strings."""
    params = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"parameters take the form key=value, got {item!r}")
        try:
            params[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            params[key] = value
    return params


def _prepare(args: argparse.Namespace) -> None:
    from melodyreg import config
    from melodyreg.data import dataset

    data = config.data_config(args.profile, source=args.source, path=args.path)
    corpus = dataset.prepare(data, workers=args.workers)
    for key, value in corpus.summary().items():
        print(f"{key:>22}: {value:,}")
    print(corpus.report.table().to_string(index=False))


def _experiment(args: argparse.Namespace):
    """Corpus, split and experiment config from the common training options."""
    from melodyreg import config
    from melodyreg.data import dataset

    data = config.data_config(args.profile, source=args.source, path=args.path)
    corpus = dataset.prepare(data, workers=args.workers)
    parts = dataset.split(corpus, args.seed)
    experiment = config.experiment_config(
        args.profile, args.strategy, seed=args.seed, data=data, **_parse_parameters(args.set)
    )
    return corpus, parts, experiment


def _train(args: argparse.Namespace) -> None:
    from melodyreg.runs import sweep

    corpus, parts, experiment = _experiment(args)
    run = sweep.ensure_runs([experiment], corpus, parts, workers=1)[0]
    evals = run.history[run.history.phase == "eval"]
    print(f"run folder: {run.folder}  ({run.seconds:.0f} s of training)")
    print(evals[["iteration", "loss", "perplexity", "accuracy"]].tail(5).to_string(index=False))


def _generate(args: argparse.Namespace) -> None:
    from pathlib import Path

    from melodyreg.model import generation
    from melodyreg.runs import sweep

    corpus, parts, experiment = _experiment(args)
    run = sweep.ensure_runs([experiment], corpus, parts, workers=1)[0]
    sampled = generation.generate(
        run.model(), num=args.num, steps=args.steps, primer=args.primer, temperature=args.temperature, seed=args.seed
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for i, ll in enumerate(sampled.log_likelihood):
        path = out / f"{args.strategy}-{i + 1:02d}.mid"
        path.write_bytes(sampled.midi(i))
        print(f"{path}  log-likelihood {ll:8.2f}  ({ll / sampled.log_probs.shape[1]:.3f} per step)")


def _book(args: argparse.Namespace) -> None:
    from melodyreg.report import build as book

    book.build(args.profile, _parse_parameters(args.parameter), only=args.only or None, strict=not args.lenient)


def _download(args: argparse.Namespace) -> None:
    from melodyreg.data import maestro

    print(maestro.download(args.dest, args.release))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m melodyreg", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)

    prep = commands.add_parser("prepare", help="prepare and cache a corpus")
    prep.add_argument("--profile", default="poster", help="smoke, poster or full (default poster)")
    prep.add_argument("--source", default=None, help="folk, essen, maestro or midi")
    prep.add_argument("--path", default=None, help="MAESTRO zip/folder or MIDI folder")
    prep.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    prep.set_defaults(run=_prepare)

    def training_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--strategy", default="baseline", help="baseline, dropout, scheduled_sampling or professor_forcing"
        )
        sub.add_argument("--profile", default="poster", help="smoke, poster or full (default poster)")
        sub.add_argument("--seed", type=int, default=2017, help="run seed (split, weights, sampling)")
        sub.add_argument("--source", default=None, help="folk, essen, maestro or midi")
        sub.add_argument("--path", default=None, help="MAESTRO zip/folder or MIDI folder")
        sub.add_argument("--workers", type=int, default=None, help="processes preparing the corpus")
        sub.add_argument(
            "-s",
            "--set",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="override a model/strategy/training setting, e.g. -s iterations=200 -s ss_k=100",
        )

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
    gen.set_defaults(run=_generate)

    bk = commands.add_parser("book", help="execute the chapters and build the HTML book")
    bk.add_argument("--profile", default="poster", help="smoke, poster or full (default poster)")
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
    bk.set_defaults(run=_book)

    dl = commands.add_parser("download-maestro", help="download and verify MAESTRO (MIDI only)")
    dl.add_argument("--dest", default="data/maestro", help="folder for the zip (default data/maestro)")
    dl.add_argument("--release", default="v3.0.0", help="v1.0.0 or v3.0.0 (default)")
    dl.set_defaults(run=_download)

    args = parser.parse_args(argv)
    args.run(args)
