"""Build the book: chapters (py:percent) → notebooks (jupytext) → executed (papermill) → HTML (Jupyter Book).

There is one executor: papermill runs every chapter with its parameters, and
Jupyter Book renders the executed notebooks without running anything
(``execute_notebooks: off``). Generated notebooks are build outputs, all under
``_build/`` (which git ignores): ``_build/jupytext/`` holds the unexecuted ones,
``_build/source/`` the book Jupyter Book reads: the executed chapters beside
links to the configuration, the prose pages and the assets. ``book/`` holds only
sources, so a chapter paired with a notebook in Jupyter (``jupytext.toml``)
never clashes with a build output.

Before rendering, :func:`fold_code` folds every code cell (the argument reads
uninterrupted; a toggle shows the code), removes the set-up cells above each
chapter's title and folds its parameters into one toggle under the title, and
turns outputs that :func:`melodyreg.report.display.figure` and
:func:`~melodyreg.report.display.table` marked into numbered, captioned figures
and tables.

Command line: ``python -m melodyreg book --profile smoke -p seed=3``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from melodyreg import console
from melodyreg import constants as C
from melodyreg.evaluation import recorded
from melodyreg.report.display import CAPTION_KEY, write_vega_bundle
from melodyreg.report.environment import chapter_times, clear_chapter_times, record_chapter_time

BOOK_DIR = C.REPO_ROOT / "book"
ASSETS = BOOK_DIR / "assets"
KERNEL = "melodyreg"  # registered in the virtual environment by `make`

# The parameters every study chapter (02 to 08) starts with, in this order, with these comments.
# ``tests/test_chapters.py`` checks each chapter's parameters cell against it, so they cannot drift;
# a chapter may add its own parameters after these.
STUDY_PARAMETERS = (
    'profile = "poster"  # "smoke" (CI), "poster" (the poster\'s settings, one seed) or "full" (5 seeds + sweeps)\n'
    "seed = 2017  # the first training seed; it also seeds the split, every random draw in training, and sampling\n"
    "num_seeds = None  # training seeds per strategy (seed, seed + 1, ...); None: the profile's (poster 1, full 5)\n"
    'source = None  # None: the profile\'s corpus (folk tunes); or "essen", "maestro", "midi"\n'
    "path = None  # MAESTRO zip/folder or MIDI folder for those sources\n"
    'maestro_split = None  # "random" (poster) or "official"\n'
    "workers = None  # processes for corpus preparation and training; None uses every core\n"
    "scheduler = None  # address of a Dask scheduler to train on; None: a local cluster\n"
    'iterations = None  # training iterations per strategy; None: the profile\'s (5,000 at "poster" and "full")\n'
    "num_melodies = 10  # generated melodies per run (the poster's 10)\n"
    "melody_steps = 128  # steps per generated melody, the primer (middle C) included\n"
    "temperature = 1.0  # sampling temperature\n"
)
STUDY_CHAPTERS = (
    "02_dropout",
    "03_scheduled_sampling",
    "04_professor_forcing",
    "05_seqgan",
    "06_evaluation",
    "07_listening",
    "08_reproducibility",
)


def chapters(book_dir: Path = BOOK_DIR) -> list[Path]:
    """The chapter sources, ``NN_name.py``, in order."""
    return sorted(p for p in book_dir.glob("[0-9][0-9]_*.py"))


def parameters_cell(source: Path) -> str:
    """The text of a chapter's ``parameters`` cell (its first code cell).

    Raises:
        ValueError: the chapter has no cell tagged ``parameters``.
    """
    import jupytext

    for cell in jupytext.read(source).cells:
        if "parameters" in cell.metadata.get("tags", []):
            return cell.source + "\n"
    raise ValueError(f"{source.name} has no cell tagged 'parameters'")


def declared_parameters(source: Path) -> dict[str, object]:
    """The parameters one chapter takes, with their defaults (read from its ``parameters`` cell)."""
    import ast

    return {
        statement.targets[0].id: ast.literal_eval(statement.value)
        for statement in ast.parse(parameters_cell(source)).body
    }


def chapter_parameters(book_dir: Path = BOOK_DIR) -> dict[str, object]:
    """Every parameter any chapter takes, with its default (the first chapter's, where two share a name)."""
    defaults: dict[str, object] = {}
    for source in chapters(book_dir):
        for name, value in declared_parameters(source).items():
            defaults.setdefault(name, value)
    return defaults


def check_request(profile: str, parameters: dict, only: list[str] | None = None, book_dir: Path = BOOK_DIR) -> dict:
    """Check a build's profile, parameters and chapter names before any kernel starts.

    A parameter must be one some chapter takes. Those :data:`melodyreg.options.SPECS` knows (every
    chapter's today) are checked by :func:`melodyreg.options.check`, with the profile and with each
    other, as the command line's options are: types, ranges, finite numbers, a ``path`` of the kind
    its source reads, a scheduler address that parses, valid configs. Another must have the type of
    its default (any value where the default is ``None``). A ``profile`` parameter must be
    ``profile``: the build runs every chapter at ``profile``.

    Returns:
        The parameters to pass to the chapters, normalised (``temperature=1`` becomes ``1.0``),
        without ``profile``.

    Raises:
        ValueError: the first problem found, naming the parameter (``-p name``) and its value.
    """
    from melodyreg import config, options, typecheck

    def label(name: str) -> str:
        return "--profile" if name == "profile" else f"-p {name}"

    options.check_value("profile", profile, label("profile"))
    if "profile" in parameters and parameters["profile"] != profile:
        raise config.ConfigError(
            f"-p profile={typecheck.shown(parameters['profile'])} disagrees with --profile {profile}: the build "
            "runs every chapter at --profile, so give the profile once, there"
        )
    known = chapter_parameters(book_dir)
    for name, value in parameters.items():
        if name not in known:
            raise config.ConfigError(f"-p {name}: no chapter takes this parameter; known: {', '.join(sorted(known))}")
        default = known[name]
        if name not in options.SPECS and default is not None and value is not None:
            typecheck.coerce(label(name), value, float if isinstance(default, float) else type(default))
    stems = {p.stem for p in chapters(book_dir)}
    for name in only or []:
        if Path(name).stem not in stems:
            raise config.ConfigError(
                f"--only {typecheck.shown(name)} names no chapter; chapters: {', '.join(sorted(stems))}"
            )
    merged = {**known, **parameters, "profile": profile}
    checked = options.check({n: v for n, v in merged.items() if n in options.SPECS}, label=label)
    return {name: checked.values.get(name, value) for name, value in parameters.items() if name != "profile"}


def check_assets(assets: Path = ASSETS) -> None:
    """Write the Vega bundle and check that MathJax is in place.

    Raises:
        FileNotFoundError: MathJax was not installed (``make assets`` does it).
    """
    write_vega_bundle(assets / "vega-bundle.js")
    if not (assets / "mathjax" / "tex-chtml.js").exists():
        raise FileNotFoundError(f"MathJax is missing from {assets / 'mathjax'}; run `make assets`")


STAGED = ("_config.yml", "_toc.yml", "book/assets", "book/references.bib")  # besides book/*.md
HIDDEN_TAGS = {"parameters", "injected-parameters"}  # cells folded away entirely
SHOWN_TAGS = {"remove-cell", "remove-input", "hide-cell", "hide-input", "hide-output", "remove-output"}
PARAMETERS_PROMPTS = {"code_prompt_show": "Show this chapter's parameters", "code_prompt_hide": "Hide the parameters"}
INJECTED_NOTE = "# set by this build (papermill's injected parameters), overriding the defaults above:"


def source_dir(root: Path = C.REPO_ROOT) -> Path:
    """The folder Jupyter Book reads: executed chapters and links to everything else."""
    return root / "_build" / "source"


def executed_notebook(source: Path, root: Path = C.REPO_ROOT) -> Path:
    """Where the executed notebook of chapter ``source`` goes."""
    return source_dir(root) / "book" / source.with_suffix(".ipynb").name


def stage_sources(root: Path = C.REPO_ROOT) -> Path:
    """Link the configuration, prose pages and assets into :func:`source_dir` (executed chapters go beside them)."""
    staged = source_dir(root)
    (staged / "book").mkdir(parents=True, exist_ok=True)
    names = list(STAGED) + [str(p.relative_to(root)) for p in sorted((root / "book").glob("*.md"))]
    for name in names:
        link, target = staged / name, root / name
        if link.is_symlink() or link.exists():
            if link.is_symlink() and link.resolve() == target.resolve():
                continue
            link.unlink()
        link.symlink_to(target.resolve(), target_is_directory=target.is_dir())
    return staged


def _shown_outputs(cell) -> list:
    """A code cell's outputs that reach the page (the book's configuration removes stderr)."""
    return [o for o in cell.get("outputs", []) if not (o.output_type == "stream" and o.get("name") == "stderr")]


def _parameters_under_title(nb) -> None:
    """Leave nothing above a chapter's title: its parameters become one toggle under it.

    The code cells before the first markdown cell that opens with a ``# `` heading (the
    parameters, papermill's injected parameters, the imports) would each show a folded
    bar above the title. The parameters cell and papermill's ``injected-parameters``
    cell are joined into one cell (the defaults, then the values the build set, which
    is the code that ran, in order) and moved under the title, behind a toggle named
    for them; the other cells are removed (``remove-cell``), or keep only their
    outputs (``remove-input``) if something they printed reaches the page.
    """
    import nbformat

    title = next(
        (i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and c.source.lstrip().startswith("# ")), None
    )
    if title is None:
        return
    preamble = [c for c in nb.cells[:title] if c.cell_type == "code"]
    parameters = [c for c in preamble if HIDDEN_TAGS & set(c.metadata.get("tags", []))]
    for cell in preamble:
        tags = cell.metadata.setdefault("tags", [])
        if not HIDDEN_TAGS & set(tags) and not SHOWN_TAGS & set(tags):
            tags.append("remove-input" if _shown_outputs(cell) else "remove-cell")
    if not parameters:
        return
    joined = parameters[0]
    for cell in parameters[1:]:  # papermill's values override the defaults, as they did when the chapter ran
        lines = cell.source.splitlines()
        body = "\n".join(lines[1:] if lines and lines[0].strip() == "# Parameters" else lines)
        joined.source = f"{joined.source.rstrip()}\n\n{INJECTED_NOTE}\n{body}"
    joined.metadata.setdefault("mystnb", {}).update(PARAMETERS_PROMPTS)
    heading, _, rest = nb.cells[title].source.lstrip().partition("\n")
    nb.cells[title].source = heading
    below = [joined] + ([nbformat.v4.new_markdown_cell(rest.strip("\n"))] if rest.strip() else [])
    above = [c for c in nb.cells[: title + 1] if not any(c is p for p in parameters)]
    nb.cells = above + below + nb.cells[title + 1 :]


def fold_code(notebook: Path) -> None:
    """Fold code, hide parameters and number captioned outputs in an executed notebook, in place.

    * nothing shows above a chapter's title: its parameters (defaults and the
      values papermill injected, as one cell) move under the title behind a
      toggle, and the other cells before the title are removed
      (:func:`_parameters_under_title`);
    * a code cell tagged ``parameters`` or ``injected-parameters`` is hidden
      behind a toggle (``hide-cell``); every other code cell shows its outputs
      with its code folded (``hide-input``), unless its tags already say otherwise;
    * a cell whose one display output carries caption metadata (from
      :func:`melodyreg.report.display.figure` or ``table``) becomes a numbered
      figure or table (myst-nb's ``figure`` cell option; tables are renumbered
      as tables by :mod:`melodyreg.report.sphinx_captions`).

    Raises:
        ValueError: a captioned output shares its cell with another display
            output (each would get the same caption and label).
    """
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    _parameters_under_title(nb)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.setdefault("tags", [])
        if HIDDEN_TAGS & set(tags):
            if "hide-cell" not in tags:
                tags.append("hide-cell")
        elif not SHOWN_TAGS & set(tags):
            tags.append("hide-input")
        shown = [o for o in cell.get("outputs", []) if o.output_type in ("display_data", "execute_result")]
        captions = [o.metadata[CAPTION_KEY] for o in shown if CAPTION_KEY in o.get("metadata", {})]
        if not captions:
            continue
        if len(shown) > 1:
            raise ValueError(
                f"{notebook.name}, cell {index}: a captioned output ({captions[0]['name']}) must be the only "
                f"display output of its cell, found {len(shown)}"
            )
        caption = captions[0]
        figure = {"name": caption["name"], "caption": caption["caption"]}
        if caption["kind"] == "table":
            figure.update(classes="melodyreg-table", caption_before=True)
        cell.metadata.setdefault("mystnb", {})["figure"] = figure
    nbformat.write(nb, notebook)


def _kernel_name() -> str:
    """Our registered kernel when it exists, else the interpreter's own ``python3``."""
    from jupyter_client.kernelspec import KernelSpecManager

    return KERNEL if KERNEL in KernelSpecManager().find_kernel_specs() else "python3"


class ChapterError(RuntimeError):
    """A chapter's cell failed or its kernel died; the message names what and the notebook that shows it."""


def _keep_failed(working: Path, name: str, root: Path) -> Path:
    """Move a chapter's partly executed working copy to ``_build/failed/`` (if papermill wrote one)."""
    failed = root / "_build" / "failed" / name
    failed.parent.mkdir(parents=True, exist_ok=True)
    if working.exists():
        working.replace(failed)
    return failed


def quiet_kernel_manager() -> type:
    """A kernel manager that shuts an idle kernel down without a SIGINT first.

    jupyter_client 8 interrupts every kernel before asking it to shut down; a kernel that is idle
    then logs ``[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel.`` on the terminal, now and
    then, depending on timing. The chapter has finished when its kernel is shut down, so there is
    nothing to interrupt: the shutdown request alone ends it. An interrupt asked for at any other
    time is passed on.
    """
    from jupyter_client.manager import AsyncKernelManager

    class QuietShutdownKernelManager(AsyncKernelManager):
        async def _async_interrupt_kernel(self) -> None:
            if self.shutting_down:
                return
            await super()._async_interrupt_kernel()

    return QuietShutdownKernelManager


def execute_chapter(
    source: Path, parameters: dict, *, root: Path = C.REPO_ROOT, log=console.say, verbose: bool = False
) -> Path:
    """Convert one chapter to a notebook and execute it with papermill.

    The chapter is executed into a working copy that replaces the executed notebook
    only when every cell has run, so a failed or interrupted chapter keeps its last
    complete run for the HTML book (and for ``--only`` builds of other chapters).

    Args:
        log: where the start and end of the chapter are reported (the terminal).
        verbose: keep the Jupyter kernel's own warnings (by default only its errors reach the terminal).

    Returns:
        The executed notebook, in ``_build/source/book/``.

    Raises:
        ChapterError: a cell failed or the kernel died; the notebook as far as it ran is kept in
            ``_build/failed/``.
    """
    import jupytext
    import papermill
    from nbclient.exceptions import DeadKernelError

    notebook = root / "_build" / "jupytext" / source.with_suffix(".ipynb").name
    notebook.parent.mkdir(parents=True, exist_ok=True)
    jupytext.write(jupytext.read(source), notebook)
    executed = executed_notebook(source, root)
    executed.parent.mkdir(parents=True, exist_ok=True)
    working = notebook.with_name(f"{source.stem}.executing.ipynb")
    log(f"{source.stem}: executing")
    start = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(notebook),
            str(working),
            parameters=parameters,
            cwd=str(source.parent),
            kernel_name=_kernel_name(),
            progress_bar=False,
            log_output=False,
            extra_arguments=[] if verbose else ["--IPKernelApp.log_level=ERROR"],
            kernel_manager_class=quiet_kernel_manager(),
        )
    except papermill.PapermillExecutionError as error:
        failed = _keep_failed(working, notebook.name, root)
        raise ChapterError(
            f"{source.stem} failed in cell [{error.exec_count}]: {error.ename}: {error.evalue} "
            f"(the notebook with the error: {failed}; the chapter's last complete run is kept)"
        ) from error
    except DeadKernelError as error:
        failed = _keep_failed(working, notebook.name, root)
        shown = f"the notebook as far as it ran: {failed}" if failed.exists() else "no notebook was written"
        raise ChapterError(
            f"{source.stem}: the Jupyter kernel died (out of memory, or killed) ({shown}; the chapter's last "
            "complete run is kept; finished training runs stay in the run store, so a rerun resumes)"
        ) from error
    fold_code(working)
    working.replace(executed)
    seconds = time.perf_counter() - start
    record_chapter_time(source.stem, seconds, root)
    log(f"{source.stem}: done in {console.duration(seconds)}")
    return executed


def build_html(*, root: Path = C.REPO_ROOT, strict: bool = True) -> Path:
    """Render the executed notebooks into ``_build/html`` with Jupyter Book, every page afresh.

    Args:
        strict: turn Sphinx warnings into errors (``-W -n --keep-going``).

    Raises:
        RuntimeError: Jupyter Book failed, with the end of its output.
    """
    staged = stage_sources(root)
    command = [str(Path(sys.executable).with_name("jb")), "build", str(staged), "--builder", "html"]
    # --all: a page that pastes glue from a chapter (the conclusion) is unchanged when only the
    # chapter's notebook changed, so Sphinx would not write it again and keep the old numbers
    command += ["--path-output", str(root), "--all"]
    if strict:
        command += ["-W", "-n", "--keep-going"]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"jupyter-book build failed:\n{(result.stdout + result.stderr)[-4000:]}")
    return root / "_build" / "html"


def build(
    profile: str = "poster",
    parameters: dict | None = None,
    *,
    only: list[str] | None = None,
    strict: bool = True,
    root: Path = C.REPO_ROOT,
    log=console.say,
    verbose: bool = False,
) -> Path:
    """Execute every chapter (or those named in ``only``) and build the HTML book.

    Args:
        profile: passed to every chapter's ``profile`` parameter.
        parameters: further papermill parameters, each passed to the chapters that declare it.
        only: chapter file names or stems to execute; the others keep their
            last executed notebook (which must exist).
        strict: warnings are errors in the HTML build.
        root: the folder holding ``_config.yml``, ``_toc.yml`` and ``book/``
            (the tests build a copy elsewhere).
        log: where progress is reported (the terminal).
        verbose: keep the Jupyter kernels' own warnings.
    """
    began, began_at = time.perf_counter(), time.time()
    check_assets(root / "book" / "assets")
    stage_sources(root)
    params = {"profile": profile, **(parameters or {})}
    sources = chapters(root / "book")
    if not only:  # every chapter runs again: no time from an earlier build stays in the record
        clear_chapter_times(root)
    for number, source in enumerate(sources, 1):
        if only and source.name not in only and source.stem not in only:
            if not executed_notebook(source, root).exists():
                raise FileNotFoundError(f"{source.stem} was never executed; include it in the build")
            continue
        declared = declared_parameters(source)  # papermill warns about any other
        execute_chapter(
            source,
            {name: value for name, value in params.items() if name in declared},
            root=root,
            log=lambda m, n=number: log(f"[{n}/{len(sources)}] {m}"),
            verbose=verbose,
        )
    log("rendering the HTML with Jupyter Book")
    start = time.perf_counter()
    html = build_html(root=root, strict=strict)
    log(f"book written to {html / 'index.html'} ({console.duration(time.perf_counter() - start)} to render)")
    findings = recorded.folder(profile) / recorded.PROVENANCE
    if not only and findings.is_file() and findings.stat().st_mtime >= began_at:  # this build recorded its findings
        times = chapter_times(root)
        recorded.stamp(
            findings.parent,
            time.perf_counter() - began,
            dict(zip(times.chapter, times.seconds.map(float))),
            began=began_at,
        )
        log(f"findings of the `{profile}` build, with its wall time, written to {findings.parent}")
    return html
