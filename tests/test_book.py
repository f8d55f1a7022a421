"""The book itself is a test: execute every chapter at the smoke profile, build the HTML with
warnings as errors, and open every page in headless Chromium with the network cut off, at two
widths (1280 and 1920 px) with the contents panel open, measuring what does not fit the text column.

The build runs in a copy of the book under a temporary folder, so a book the user built
with `make book` is left alone. Screenshots, one per page and width, land in ``test-artifacts/``.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from melodyreg import constants as C
from melodyreg.report import browser
from melodyreg.report import build as book

ARTIFACTS = C.REPO_ROOT / "test-artifacts"
pytestmark = pytest.mark.slow


# What a build may print: its own progress lines, nothing from TensorFlow, Jupyter, Dask or asyncio.
BUILD_LINES = re.compile(
    r"\[\d+/\d+\] \d\d_\w+: (executing|done in \S+)$"  # a chapter starts or ends
    r"|(training|scoring|measuring) [\d,]+ runs?$"  # a sweep starts: training, or the evaluation reading runs
    r"|\[\d+/\d+ runs, \S+\] (finished|done|FAILED): .+$"  # a run ends
    r"|temperature sweep \d+/\d+: .+ seed \d+, \d+ temperatures$"  # the evaluation's sweep, a run at a time
    r"|timing each strategy's training step$"
    r"|.+: [\d,]+/[\d,]+ it\b.*$"  # a run's progress (a line at every tenth, off a terminal)
    r"|rendering the HTML with Jupyter Book$"
    r"|book written to .+index\.html \(\S+ to render\)$"
)


@pytest.fixture(scope="module")
def build_run(tmp_path_factory) -> tuple[Path, list[str]]:
    """The smoke book built by a separate process, as `make book` runs it, with oneDNN forced on.

    TF_ENABLE_ONEDNN_OPTS=1 makes TensorFlow log at import as it does on CPUs with AVX-512 VNNI or
    BF16, so a machine of either kind catches log lines that leak into the terminal.
    """
    root = tmp_path_factory.mktemp("book")
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(C.REPO_ROOT / name, root / name)
    shutil.copytree(C.REPO_ROOT / "book", root / "book", ignore=shutil.ignore_patterns("*.ipynb"))
    code = f"from melodyreg.report import build; build.build('smoke', root=__import__('pathlib').Path({str(root)!r}))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "TF_ENABLE_ONEDNN_OPTS": "1"},
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return root / "_build" / "html", (done.stdout + done.stderr).splitlines()


@pytest.fixture(scope="module")
def built_book(build_run) -> Path:
    return build_run[0]


def test_the_build_prints_only_its_own_lines(build_run):
    foreign = [line for line in build_run[1] if line.strip() and not BUILD_LINES.match(line)]
    assert not foreign, foreign[:20]
    # the evaluation's long stages report on the terminal too, not only training
    for stage in ("scoring ", "measuring ", "temperature sweep 1/", "timing each strategy's training step"):
        assert any(line.startswith(stage) for line in build_run[1]), stage


@pytest.fixture(scope="module")
def pages(built_book) -> dict[str, browser.PageReport]:
    return {r.page: r for r in browser.check_pages(built_book, ARTIFACTS / "screenshots")}


def test_every_chapter_is_executed_and_rendered(built_book):
    sources = [p.stem for p in book.chapters()]
    assert sources, "no chapters found"
    for stem in sources:
        assert (built_book / "book" / f"{stem}.html").exists(), f"{stem} missing from the HTML"


def test_pages_render_offline_without_errors(pages):
    problems = {name: rep.problems for name, rep in pages.items() if rep.problems}
    assert not problems, problems


def test_every_page_fits_its_text_column_at_both_widths(pages):
    """With the contents panel open at 1280 px (the narrowest column) and at 1920 px, nothing is wider than the
    text column or cut off behind a scrollbar; only a table's own frame, which says so, may scroll."""
    for name, report in pages.items():
        assert set(report.columns) == {width for width, _ in browser.VIEWPORTS}, name
        assert 600 < report.columns[1280] <= report.columns[1920], (name, report.columns)
    overflow = {name: report.overflow for name, report in pages.items() if report.overflow}
    assert not overflow, overflow


def _players_made(notebook: Path) -> int:
    """How many ``<audio>`` players an executed chapter's outputs hold."""
    import nbformat

    return sum(
        str(output.get("data", {}).get("text/html", "")).count("<audio")
        for cell in nbformat.read(notebook, as_version=4).cells
        for output in cell.get("outputs", [])
    )


def test_data_chapter_shows_charts_audio_and_math(pages, built_book):
    """The page plays every melody the chapter made a player for: its three examples and both melodies
    of each near-copy pair it draws (the smoke corpus draws one, below the threshold)."""
    data = pages["01_data.html"]
    assert data.charts >= 4 and data.charts_drawn == data.charts
    made = _players_made(book.source_dir(built_book.parent.parent) / "book" / "01_data.ipynb")
    assert data.audio == made >= 3 + 2, (data.audio, made)
    assert all(d > 1.0 for d in data.audio_durations), data.audio_durations
    assert data.math >= 1 and data.math_typeset == data.math


def test_no_page_references_a_remote_script(built_book):
    for page in built_book.rglob("*.html"):
        text = page.read_text()
        assert '<script src="http' not in text and 'src="//' not in text, page


def test_figures_and_tables_are_numbered_and_code_is_folded(pages):
    assert pages["01_data.html"].numbered >= 5
    assert pages["06_evaluation.html"].numbered >= 15
    assert all(report.code_shown == 0 for report in pages.values())
    assert all(not report.noise for report in pages.values())


def _glued(notebook: Path) -> dict[str, str]:
    import nbformat
    from myst_nb.core.variables import format_plain_text

    values = {}
    for cell in nbformat.read(notebook, as_version=4).cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:  # glue stores the bundle under a prefixed MIME type
                plain = next(v for k, v in output["data"].items() if k.endswith("text/plain"))
                values[name] = format_plain_text(plain, "s")  # as myst-nb renders it
    return values


def test_the_abstract_quotes_the_executed_evaluation(built_book):
    glued = _glued(book.source_dir(built_book.parent.parent) / "book" / "06_evaluation.ipynb")
    intro = (built_book / "book" / "intro.html").read_text()
    assert "Abstract" in intro
    for key in ("eval-nll-baseline", "eval-ll-scheduled_sampling", "eval-observations", "eval-claims-summary"):
        assert f">{glued[key]}<" in intro, key
