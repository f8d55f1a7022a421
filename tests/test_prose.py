"""Counts and lists for glued prose (melodyreg.prose)."""

from melodyreg import prose


def test_counts_take_the_noun_in_the_right_number():
    assert prose.counted(1, "seed") == "1 seed"
    assert prose.counted(5, "seed") == "5 seeds"
    assert prose.counted(0, "run") == "0 runs"
    assert prose.counted(1_000, "melody", "melodies") == "1,000 melodies"
    assert prose.counted(1, "melody", "melodies") == "1 melody"


def test_lists_are_joined_for_prose():
    assert prose.joined([]) == ""
    assert prose.joined(["Dropout"]) == "Dropout"
    assert prose.joined(["Dropout", "Scheduled sampling"], lower=True) == "dropout and scheduled sampling"
    assert prose.joined(["a", "b", "c"]) == "a, b and c"


def test_plain_text_loses_markdown_code_marks():
    assert prose.plain("no `full` build; run `make book`") == "no full build; run make book"
