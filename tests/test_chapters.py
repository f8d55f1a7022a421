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
