"""The chapters' shape: a literal parameters cell first, the study chapters' shared parameters never drift, and
every numbered figure and table is cited in the prose."""

from __future__ import annotations

import ast
import re

import jupytext
import pytest

from melodyreg.report import build

CHAPTERS = build.chapters()


def test_there_are_chapters_and_the_study_chapters_exist():
    stems = [p.stem for p in CHAPTERS]
    assert stems[0] == "01_data" and set(build.STUDY_CHAPTERS) <= set(stems)


@pytest.mark.parametrize("source", CHAPTERS, ids=lambda p: p.stem)
def test_the_first_code_cell_is_the_parameters_cell_of_literals(source):
    first_code = next(c for c in jupytext.read(source).cells if c.cell_type == "code")
    assert "parameters" in first_code.metadata.get("tags", []), f"{source.name}: first code cell is not 'parameters'"
    for statement in ast.parse(build.parameters_cell(source)).body:
        assert isinstance(statement, ast.Assign) and len(statement.targets) == 1, ast.unparse(statement)
        ast.literal_eval(statement.value)  # raises for anything but a literal


@pytest.mark.parametrize("stem", build.STUDY_CHAPTERS)
def test_study_chapters_start_with_the_shared_parameters(stem):
    cell = build.parameters_cell(build.BOOK_DIR / f"{stem}.py")
    assert cell.startswith(build.STUDY_PARAMETERS), (
        f"{stem}.py: the parameters cell must start with melodyreg.report.build.STUDY_PARAMETERS:\n"
        f"{build.STUDY_PARAMETERS}"
    )


def test_a_chapter_without_a_parameters_cell_is_refused(tmp_path):
    source = tmp_path / "09_none.py"
    source.write_text("# %%\nx = 1\n")
    with pytest.raises(ValueError, match="09_none.py has no cell tagged 'parameters'"):
        build.parameters_cell(source)


def _jupytext_config():
    from jupytext.config import load_jupytext_configuration_file

    return load_jupytext_configuration_file(str(build.BOOK_DIR.parent / "jupytext.toml"))


@pytest.mark.parametrize("source", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_round_trips_through_a_notebook_unchanged(source):
    """Editing a chapter as a paired notebook in Jupyter must not rewrite its .py file."""
    assert _save_as_jupyter_does(source) == source.read_text()


def _save_as_jupyter_does(source) -> str:
    """The .py text Jupyter's jupytext writes after opening ``source`` as a paired notebook and saving it."""
    config = _jupytext_config()
    text = source.read_text()
    notebook = jupytext.reads(jupytext.writes(jupytext.reads(text, fmt="py:percent"), fmt="ipynb"), fmt="ipynb")
    notebook.metadata.setdefault("jupytext", {})["formats"] = config.default_formats(str(source))
    return jupytext.writes(notebook, fmt="py:percent", config=config)


def test_jupytext_pairs_the_chapters_with_notebooks():
    assert _jupytext_config().default_formats(str(CHAPTERS[0])) == "ipynb,py:percent"


def test_jupyters_contents_manager_opens_a_chapter_as_a_notebook_and_saves_it_unchanged(tmp_path):
    """What JupyterLab does on open and save, through jupytext's own contents manager."""
    import shutil

    from jupytext import TextFileContentsManager

    shutil.copy(build.BOOK_DIR.parent / "jupytext.toml", tmp_path / "jupytext.toml")
    (tmp_path / "book").mkdir()
    source = CHAPTERS[0]
    shutil.copy(source, tmp_path / "book" / source.name)
    manager = TextFileContentsManager(root_dir=str(tmp_path))
    model = manager.get(f"book/{source.name}", type="notebook", content=True)
    assert model["type"] == "notebook" and model["content"]["cells"][0]["metadata"]["tags"] == ["parameters"]
    manager.save(model, f"book/{source.name}")
    assert (tmp_path / "book" / source.name).read_text() == source.read_text()
    assert (tmp_path / "book" / source.with_suffix(".ipynb").name).exists()  # the paired notebook, git-ignored


NUMREF = re.compile(r"\{numref\}`(?:[^`<]*<)?([A-Za-z0-9-]+)>?`")
PASTED_MYST = re.compile(r"\{glue:md\}`([A-Za-z0-9_-]+):myst`")


def _show_calls(source):
    """Every call ``show.<name>(...)`` in a chapter's code cells."""
    for cell in jupytext.read(source).cells:
        if cell.cell_type == "code":
            for node in ast.walk(ast.parse(cell.source)):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "show"
                ):
                    yield node


def _defined_labels(source) -> set[str]:
    """The labels of a chapter's numbered figures (``show.figure(chart, "fig-x", ...)``) and tables
    (``show.table(..., name="tbl-x")``, ``show.listed(..., name=...)``), conditional ones included."""
    labels = set()
    for call in _show_calls(source):
        given = call.args[1:2] if call.func.attr == "figure" else []
        given += [k.value for k in call.keywords if k.arg == "name" and call.func.attr in ("table", "listed")]
        for node in given:
            assert isinstance(node, ast.Constant), f"{source.name}: write a label as a literal: {ast.unparse(node)}"
            labels.add(node.value)
    return labels


def _strings(node) -> list[str]:
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _package_function(call: ast.Call) -> ast.Module | None:
    """The definition of ``module.function`` called as ``show.glue_all(module.function(...))``, where ``module``
    is one of :mod:`melodyreg.report`'s, with the definitions of the functions of that module it calls by name
    (a glue function may gather others); ``None`` if there is no such call."""
    if not (call.args and isinstance(call.args[0], ast.Call) and isinstance(call.args[0].func, ast.Attribute)):
        return None
    inner = call.args[0].func
    module = build.BOOK_DIR.parent / "src" / "melodyreg" / "report" / f"{getattr(inner.value, 'id', '')}.py"
    if not module.exists():
        return None
    functions = {n.name: n for n in ast.parse(module.read_text()).body if isinstance(n, ast.FunctionDef)}
    if inner.attr not in functions:
        return None
    called = {
        n.func.id for n in ast.walk(functions[inner.attr]) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }
    return ast.Module(body=[functions[inner.attr], *(functions[name] for name in sorted(called & set(functions)))])


def _glued_myst(source) -> dict[str, str]:
    """The text of every ``show.glue(key, value)``, by key, string parts only (what {glue:md} may paste); for
    ``show.glue_all(findings.f(...))``, every string of ``f`` under each of its keys."""
    glued = {}
    for call in _show_calls(source):
        if call.func.attr == "glue" and len(call.args) == 2 and isinstance(call.args[0], ast.Constant):
            glued[call.args[0].value] = " ".join(_strings(call.args[1]))
        elif call.func.attr == "glue_all" and (function := _package_function(call)) is not None:
            text = " ".join(_strings(function))
            glued |= {key: text for key in _strings(function)}
    return glued


def _citations() -> set[str]:
    """Labels cited with {numref} in the prose: the chapters' markdown cells, the book's pages, and MyST glued in
    a chapter and pasted into its prose with ``{glue:md}`key:myst``` (how the prose cites a figure or table that
    only some profiles draw; a citation of a missing label would fail the strict HTML build)."""
    cited = set()
    for page in build.BOOK_DIR.glob("*.md"):
        cited |= set(NUMREF.findall(page.read_text()))
    for source in CHAPTERS:
        prose = "\n".join(c.source for c in jupytext.read(source).cells if c.cell_type == "markdown")
        cited |= set(NUMREF.findall(prose))
        glued = _glued_myst(source)
        for key in PASTED_MYST.findall(prose):
            cited |= set(NUMREF.findall(glued.get(key, "")))
    return cited


def test_every_figure_and_table_is_cited_in_the_prose():
    cited = _citations()
    uncited = {source.name: sorted(_defined_labels(source) - cited) for source in CHAPTERS}
    assert not {name: labels for name, labels in uncited.items() if labels}, (
        "figures and tables never cited with {numref} in book/ (cite each in the prose near it): "
        + "; ".join(f"{name}: {', '.join(labels)}" for name, labels in uncited.items() if labels)
    )


def _optional_labels(source) -> set[str]:
    """Labels a profile may not draw: a numbered output whose content comes from a function of
    :mod:`melodyreg.report.figures` that can return ``None`` (``show.table(figures.hinges(c), ...)``, None
    without tuning settings), or one shown under an ``if``."""
    module = ast.parse((build.BOOK_DIR.parent / "src" / "melodyreg" / "report" / "figures.py").read_text())
    maybe_none = {
        f.name for f in module.body if isinstance(f, ast.FunctionDef) and f.returns and "None" in ast.unparse(f.returns)
    }
    optional = set()
    for cell in jupytext.read(source).cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        under_if = {id(n) for branch in ast.walk(tree) if isinstance(branch, ast.If) for n in ast.walk(branch)}
        for call in ast.walk(tree):
            if not (_numbered(call) and call.func.value.id == "show"):
                continue
            content = call.args[0] if call.args else None
            from_figures = (
                isinstance(content, ast.Call)
                and isinstance(content.func, ast.Attribute)
                and getattr(content.func.value, "id", "") == "figures"
                and content.func.attr in maybe_none
            )
            if from_figures or id(call) in under_if:
                given = call.args[1:2] if call.func.attr == "figure" else []
                given += [k.value for k in call.keywords if k.arg == "name"]
                optional |= {node.value for node in given if isinstance(node, ast.Constant)}
    return optional


def test_the_prose_cites_a_figure_some_profiles_do_not_draw_only_through_glue():
    """A {numref} of a label the `poster` profile does not draw fails its strict HTML build: such citations go
    through MyST glued by the chapter (``cited_glue``), which names them only where they exist."""
    direct = {}
    for source in CHAPTERS:
        prose = "\n".join(c.source for c in jupytext.read(source).cells if c.cell_type == "markdown")
        if wrong := sorted(set(NUMREF.findall(prose)) & _optional_labels(source)):
            direct[source.name] = wrong
    assert not direct, f"cite these through glue, not directly in the prose: {direct}"


def test_the_optional_label_finder_sees_maybe_none_figures_and_conditional_outputs(tmp_path):
    source = tmp_path / "09_x.py"
    source.write_text(
        '# %% tags=["parameters"]\nprofile = "poster"\n\n'
        '# %%\nshow.table(figures.hinges(c), "H.", name="tbl-h")\nshow.table(rows, "R.", name="tbl-r")\n'
        'if len(rows):\n    show.figure(chart, "fig-c", "C.")\n'
    )
    assert _optional_labels(source) == {"tbl-h", "fig-c"}


def test_the_label_finder_sees_figures_tables_and_conditional_ones(tmp_path):
    source = tmp_path / "09_x.py"
    source.write_text(
        '# %% tags=["parameters"]\nprofile = "poster"\n\n'
        '# %%\nshow.figure(chart, "fig-a", "A.")\nif len(rows):\n    display(show.table(rows, "B.", name="tbl-b"))\n'
        'show.listed(rows, "C", "c.csv", name="tbl-c")\nshow.table(rows, "an unnumbered table")\n'
        'show.glue("cites", Markdown("{numref}`tbl-b`" if len(rows) else "none"))\n\n'
        "# %% [markdown]\n# As {numref}`fig-a` shows. {glue:md}`cites:myst`\n"
    )
    assert _defined_labels(source) == {"fig-a", "tbl-b", "tbl-c"}
    assert NUMREF.findall(_glued_myst(source)["cites"]) == ["tbl-b"]
    assert NUMREF.findall("see {numref}`Figure %s <fig-a>` and {numref}`tbl-b`") == ["fig-a", "tbl-b"]


def _numbered(node) -> bool:
    """A call of ``show.figure``, or of ``show.table`` or ``show.listed`` with a ``name``: a numbered output."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "show"
        and (
            node.func.attr == "figure"
            or (node.func.attr in ("table", "listed") and any(k.arg == "name" for k in node.keywords))
        )
    )


def _captioned_per_cell(source) -> list[int]:
    """How many numbered figures and tables (``show.figure``, ``show.table(..., name=...)``, ``show.listed(...,
    name=...)``) each code cell of a chapter makes."""
    return [
        sum(1 for node in ast.walk(ast.parse(cell.source)) if _numbered(node))
        for cell in jupytext.read(source).cells
        if cell.cell_type == "code"
    ]


def _displays(node) -> bool:
    """A call that shows something itself: ``display(...)`` or glue (``show.glue``, ``show.glue_all``)."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Name) and func.id == "display") or (
        isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "show"
        and func.attr in ("glue", "glue_all")
    )  # fmt: skip


def _unshown_numbered(source) -> list[str]:
    """Numbered outputs a chapter makes but does not show: each must be its cell's last expression, or
    the argument of ``display``, in a cell that shows nothing else (a cell's other displays would make
    :func:`melodyreg.report.build.fold_code` refuse it, and a value that is not last is dropped)."""
    problems = []
    for cell in jupytext.read(source).cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        numbered = [node for node in ast.walk(tree) if _numbered(node)]
        if not numbered:
            continue
        last = tree.body[-1].value if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        shown_by = {id(arg) for node in ast.walk(tree) if _displays(node) for arg in node.args}
        others = [node for node in ast.walk(tree) if _displays(node) and not any(_numbered(a) for a in node.args)]
        for node in numbered:
            if node is not last and id(node) not in shown_by:
                problems.append(f"{ast.get_source_segment(cell.source, node)[:60]}… is not shown")
            elif others:
                problems.append(f"{ast.get_source_segment(cell.source, node)[:60]}… shares its cell with other output")
    return problems


@pytest.mark.parametrize("source", CHAPTERS, ids=lambda p: p.stem)
def test_every_numbered_figure_or_table_is_shown(source):
    """A numbered output that is not shown leaves its label undefined, and a {numref} to it breaks the build."""
    assert _unshown_numbered(source) == []


def test_the_shown_check_finds_a_dropped_table_and_one_beside_other_output(tmp_path):
    source = tmp_path / "09_x.py"
    source.write_text(
        '# %% tags=["parameters"]\nprofile = "poster"\n\n'
        '# %%\nshow.table(rows, "A.", name="tbl-a")\ndisplay(*players)\n\n'
        '# %%\nshow.glue_all(values)\nshow.figure(chart, "fig-b", "B.")\n\n'
        '# %%\nif len(rows):\n    display(show.table(rows, "C.", name="tbl-c"))\n\n'
        '# %%\nx = 1\nshow.figure(chart, "fig-d", "D.")\n'
    )
    assert [p.split("…")[1] for p in _unshown_numbered(source)] == [
        " is not shown",
        " shares its cell with other output",
    ]


@pytest.mark.parametrize("source", CHAPTERS, ids=lambda p: p.stem)
def test_a_numbered_figure_or_table_is_the_only_one_of_its_cell(source):
    """The build numbers a captioned output only when it is its cell's one display output (fold_code)."""
    assert max(_captioned_per_cell(source), default=0) <= 1
