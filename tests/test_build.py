"""The build's steps that need no kernel: folding code, captions, staging the sources, chapter times."""

from __future__ import annotations

import json

import nbformat
import pandas as pd
import pytest

from melodyreg.report import build, environment
from melodyreg.report import display as show


def _output(caption: dict | None = None):
    metadata = {show.CAPTION_KEY: caption} if caption else {}
    return nbformat.v4.new_output("display_data", data={"text/html": "<div></div>"}, metadata=metadata)


def _notebook(tmp_path, cells) -> object:
    path = tmp_path / "01_test.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def test_code_is_folded_parameters_hidden_and_explicit_tags_kept(tmp_path):
    cells = [
        nbformat.v4.new_code_cell("profile = 'poster'", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("profile = 'smoke'", metadata={"tags": ["injected-parameters"]}),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("y = 2", metadata={"tags": ["remove-cell"]}),
        nbformat.v4.new_markdown_cell("Prose without a title."),
    ]
    path = _notebook(tmp_path, cells)
    build.fold_code(path)
    tags = [c.metadata.get("tags", []) for c in nbformat.read(path, as_version=4).cells]
    assert tags == [
        ["parameters", "hide-cell"],
        ["injected-parameters", "hide-cell"],
        ["hide-input"],
        ["remove-cell"],
        [],
    ]


def test_nothing_shows_above_a_chapters_title_and_its_parameters_fold_into_one_toggle_under_it(tmp_path):
    """A chapter opens with its parameters, papermill's injected parameters and its imports: none of them may
    show a bar above the title; the parameters the chapter ran with stay one toggle away, under the title."""
    stderr = nbformat.v4.new_output("stream", name="stderr", text="a warning\n")
    stdout = nbformat.v4.new_output("stream", name="stdout", text="printed\n")
    cells = [
        nbformat.v4.new_code_cell("profile = 'poster'\nseed = 1", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("# Parameters\nprofile = 'smoke'\n", metadata={"tags": ["injected-parameters"]}),
        nbformat.v4.new_code_cell("import x", outputs=[stderr]),
        nbformat.v4.new_code_cell("print('printed')", outputs=[stdout]),
        nbformat.v4.new_markdown_cell("# Title\n\nThe first paragraph."),
        nbformat.v4.new_code_cell("y = 2"),
    ]
    path = _notebook(tmp_path, cells)
    build.fold_code(path)
    folded = nbformat.read(path, as_version=4)
    nbformat.validate(folded)
    shown = [(c.cell_type, c.source, c.metadata.get("tags", [])) for c in folded.cells]
    assert shown == [
        ("code", "import x", ["remove-cell"]),  # stderr never reaches the page
        ("code", "print('printed')", ["remove-input"]),  # its output does
        ("markdown", "# Title", []),
        (
            "code",
            f"profile = 'poster'\nseed = 1\n\n{build.INJECTED_NOTE}\nprofile = 'smoke'",
            ["parameters", "hide-cell"],
        ),
        ("markdown", "The first paragraph.", []),
        ("code", "y = 2", ["hide-input"]),
    ]
    assert folded.cells[3].metadata["mystnb"] == build.PARAMETERS_PROMPTS
    build.fold_code(path)  # folding again changes nothing
    assert nbformat.read(path, as_version=4) == folded


def test_captioned_outputs_become_numbered_figures_and_tables(tmp_path):
    figure = {"kind": "figure", "name": "fig-a", "caption": "A chart."}
    table = {"kind": "table", "name": "tbl-b", "caption": "A table."}
    cells = [
        nbformat.v4.new_code_cell("a", outputs=[_output(figure)]),
        nbformat.v4.new_code_cell("b", outputs=[_output(table)]),
    ]
    path = _notebook(tmp_path, cells)
    build.fold_code(path)
    first, second = nbformat.read(path, as_version=4).cells
    assert first.metadata["mystnb"]["figure"] == {"name": "fig-a", "caption": "A chart."}
    assert second.metadata["mystnb"]["figure"] == {
        "name": "tbl-b",
        "caption": "A table.",
        "classes": "melodyreg-table",
        "caption_before": True,
    }


def test_a_captioned_output_must_be_alone_in_its_cell(tmp_path):
    figure = {"kind": "figure", "name": "fig-a", "caption": "A chart."}
    path = _notebook(tmp_path, [nbformat.v4.new_code_cell("a", outputs=[_output(figure), _output()])])
    with pytest.raises(ValueError, match=r"01_test.ipynb, cell 0: a captioned output \(fig-a\) must be the only"):
        build.fold_code(path)


def test_captioned_carries_its_label_and_caption_in_the_output_metadata():
    data, metadata = show.figure(show.HTML("<b>chart</b>"), "fig-x", "What to look for.")._repr_mimebundle_()
    assert "<b>chart</b>" in data["text/html"]
    assert metadata[show.CAPTION_KEY] == {"kind": "figure", "name": "fig-x", "caption": "What to look for."}
    table = show.table(pd.DataFrame({"a": [1]}), "Counts.", name="tbl-x")
    assert table._repr_mimebundle_()[1][show.CAPTION_KEY]["kind"] == "table"
    assert isinstance(show.table(pd.DataFrame({"a": [1]}), "Counts."), show.HTML)  # no name: a bold caption line


@pytest.mark.parametrize("name", ["", "fig x", "fig:x", "fig_x"])
def test_a_label_must_be_letters_digits_and_dashes(name):
    with pytest.raises(ValueError, match="a label holds letters, digits and '-'"):
        show.figure("x", name, "caption")


def test_the_sources_are_staged_as_links_and_restaging_is_harmless(tmp_path):
    (tmp_path / "book" / "assets").mkdir(parents=True)
    for name in ("_config.yml", "_toc.yml", "book/references.bib", "book/intro.md"):
        (tmp_path / name).write_text(name)
    staged = build.stage_sources(tmp_path)
    build.stage_sources(tmp_path)
    assert (staged / "book" / "intro.md").read_text() == "book/intro.md"
    assert (staged / "book" / "assets").is_symlink() and (staged / "_config.yml").is_symlink()
    source = tmp_path / "book" / "01_data.py"
    assert build.executed_notebook(source, tmp_path) == staged / "book" / "01_data.ipynb"


def test_chapter_times_are_recorded_and_a_corrupt_record_starts_afresh(tmp_path):
    assert environment.chapter_times(tmp_path).empty
    environment.record_chapter_time("01_data", 7.26, tmp_path)
    environment.record_chapter_time("02_dropout", 60, tmp_path)
    assert environment.chapter_times(tmp_path).to_dict("list") == {
        "chapter": ["01_data", "02_dropout"],
        "seconds": [7.3, 60.0],
    }
    environment.times_path(tmp_path).write_text("{not json")
    assert environment.chapter_times(tmp_path).empty
    environment.record_chapter_time("03_x", 1, tmp_path)
    assert json.loads(environment.times_path(tmp_path).read_text()) == {"03_x": 1.0}
    environment.clear_chapter_times(tmp_path)
    assert environment.chapter_times(tmp_path).empty
    environment.clear_chapter_times(tmp_path)  # nothing to clear: no error


@pytest.mark.parametrize("text", ["4,451", "1.180", "+0.012", "61%", "1234567", "poster"])
def test_glued_text_reads_back_as_written(text):
    """myst-nb literal-evals glued text: a str must come back unchanged (once '4,451' became '(4, 451)')."""
    from IPython.core.interactiveshell import InteractiveShell
    from myst_nb.core.variables import format_plain_text

    plain = InteractiveShell.instance().display_formatter.format(text)[0]["text/plain"]
    assert format_plain_text(plain, "s") == text


def test_each_chapter_gets_only_the_parameters_it_declares(tmp_path, monkeypatch):
    """A parameter one chapter takes is not passed to another (papermill would print a warning for it)."""
    book_dir = tmp_path / "book"
    book_dir.mkdir()
    header = '# %% tags=["parameters"]\nprofile = "poster"\n'
    (book_dir / "01_a.py").write_text(header + "seed = 1\n")
    (book_dir / "02_b.py").write_text(header + "num_seeds = None\n")
    passed = {}
    monkeypatch.setattr(build, "check_assets", lambda *_: None)
    monkeypatch.setattr(build, "stage_sources", lambda *_: None)
    monkeypatch.setattr(build, "build_html", lambda **_: tmp_path / "html")
    monkeypatch.setattr(build, "execute_chapter", lambda source, params, **_: passed.setdefault(source.stem, params))
    build.build("smoke", {"seed": 3, "num_seeds": 2}, root=tmp_path, log=lambda *_: None)
    assert passed == {"01_a": {"profile": "smoke", "seed": 3}, "02_b": {"profile": "smoke", "num_seeds": 2}}


def _chapter(tmp_path):
    book_dir = tmp_path / "book"
    book_dir.mkdir()
    source = book_dir / "01_a.py"
    source.write_text('# %% tags=["parameters"]\nprofile = "poster"\n\n# %%\nx = 1\n')
    old = build.executed_notebook(source, tmp_path)
    old.parent.mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(metadata={"run": "last complete"}), old)
    return source, old


def _fake_papermill(monkeypatch, error):
    """papermill writes part of the output notebook, then fails like a kernel would."""
    import papermill

    def execute(_input, output, **_):
        nbformat.write(nbformat.v4.new_notebook(metadata={"run": "partial"}), output)
        raise error

    monkeypatch.setattr(papermill, "execute_notebook", execute)
    monkeypatch.setattr(build, "_kernel_name", lambda: "python3")


def test_a_failed_chapter_keeps_its_last_complete_run_and_names_the_failed_cell(tmp_path, monkeypatch):
    import papermill

    source, old = _chapter(tmp_path)
    _fake_papermill(
        monkeypatch, papermill.PapermillExecutionError(2, 3, "x = 1 / 0", "ZeroDivisionError", "division by zero", [])
    )
    with pytest.raises(build.ChapterError) as caught:
        build.execute_chapter(source, {}, root=tmp_path, log=lambda *_: None)
    failed = tmp_path / "_build" / "failed" / "01_a.ipynb"
    assert str(caught.value).startswith("01_a failed in cell [3]: ZeroDivisionError: division by zero")
    assert str(failed) in str(caught.value) and "\n" not in str(caught.value)
    assert nbformat.read(failed, as_version=4).metadata["run"] == "partial"
    assert nbformat.read(old, as_version=4).metadata["run"] == "last complete"


def test_a_dead_kernel_ends_the_chapter_with_one_line_and_keeps_the_partial_notebook(tmp_path, monkeypatch):
    from nbclient.exceptions import DeadKernelError

    source, old = _chapter(tmp_path)
    _fake_papermill(monkeypatch, DeadKernelError("Kernel died"))
    with pytest.raises(build.ChapterError) as caught:
        build.execute_chapter(source, {}, root=tmp_path, log=lambda *_: None)
    failed = tmp_path / "_build" / "failed" / "01_a.ipynb"
    assert str(caught.value).startswith("01_a: the Jupyter kernel died")
    assert str(failed) in str(caught.value) and "\n" not in str(caught.value)
    assert nbformat.read(failed, as_version=4).metadata["run"] == "partial"
    assert nbformat.read(old, as_version=4).metadata["run"] == "last complete"


def test_an_interrupted_chapter_leaves_the_last_complete_run_in_place(tmp_path, monkeypatch):
    source, old = _chapter(tmp_path)
    _fake_papermill(monkeypatch, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        build.execute_chapter(source, {}, root=tmp_path, log=lambda *_: None)
    assert nbformat.read(old, as_version=4).metadata["run"] == "last complete"


def _glued_notebook(path, value: str) -> None:
    """A notebook whose one output is glue ``answer`` = ``value``, as papermill leaves it."""
    output = nbformat.v4.new_output(
        "display_data",
        data={"application/papermill.record/text/plain": repr(value)},
        metadata={"scrapbook": {"mime_prefix": "application/papermill.record/", "name": "answer"}},
    )
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1", outputs=[output])]), path)


@pytest.mark.slow
def test_a_page_that_pastes_a_chapters_glue_shows_the_new_value_after_a_rebuild(tmp_path):
    """The conclusion quotes the evaluation chapter: rebuilt after only the chapter changed, it must not keep
    the old number (Sphinx re-reads only pages whose own source changed)."""
    (tmp_path / "book" / "assets").mkdir(parents=True)
    (tmp_path / "book" / "references.bib").write_text("")
    (tmp_path / "_config.yml").write_text(
        'title: t\nonly_build_toc_files: true\nexecute:\n  execute_notebooks: "off"\n'
    )
    toc = "format: jb-book\nroot: book/intro\nchapters:\n  - file: book/a\n  - file: book/conclusion\n"
    (tmp_path / "_toc.yml").write_text(toc)
    (tmp_path / "book" / "intro.md").write_text("# Intro\n")
    (tmp_path / "book" / "conclusion.md").write_text("# End\n\nThe answer is {glue:text}`a.ipynb::answer:s`.\n")
    build.stage_sources(tmp_path)
    executed = build.executed_notebook(tmp_path / "book" / "a.py", tmp_path)
    _glued_notebook(executed, "first-111")
    page = build.build_html(root=tmp_path, strict=False) / "book" / "conclusion.html"
    assert "first-111" in page.read_text(encoding="utf-8")
    _glued_notebook(executed, "second-222")
    build.build_html(root=tmp_path, strict=False)
    assert "second-222" in page.read_text(encoding="utf-8")


def test_the_kernel_manager_skips_the_interrupt_only_while_shutting_down():
    """jupyter_client interrupts a kernel before shutting it down, and an idle ipykernel then logs a
    KeyboardInterrupt as an ERROR line on the build's terminal; the build's manager skips that interrupt."""
    import asyncio

    manager = build.quiet_kernel_manager()()
    manager.shutting_down = True
    assert asyncio.run(manager._async_interrupt_kernel()) is None  # nothing sent, nothing raised
    manager.shutting_down = False
    with pytest.raises(RuntimeError, match="No kernel is running"):  # any other interrupt is passed on
        asyncio.run(manager._async_interrupt_kernel())
