"""The chapters' shape: a literal parameters cell first, and the study chapters' shared parameters never drift."""

from __future__ import annotations

import ast

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
