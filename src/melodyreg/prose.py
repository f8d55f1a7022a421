"""Small words for sentences built from numbers: counts with their nouns, lists joined with "and".

The book's prose is glued from the run, so these are what keep a glued sentence
grammatical whatever the numbers are ("1 seed", "5 seeds"; "a and b"). They are words, not
sentences: the sentences are the report layer's (:mod:`melodyreg.report.sentences`), while the
progress lines of :mod:`melodyreg.console` and the text cells of the evaluation's tables (a verdict
"untested (3 runs)") need these words below it, which is why this module sits at the bottom.
"""

from __future__ import annotations

from collections.abc import Sequence


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` with its noun in the right number (``1 seed``, ``5 seeds``, ``2 melodies`` with ``plural``)."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def joined(items: Sequence[str], *, lower: bool = False) -> str:
    """``a``, ``a and b``, ``a, b and c`` (each lower-cased with ``lower``, for the middle of a sentence)."""
    words = [item.lower() if lower else item for item in items]
    return " and ".join(words) if len(words) < 3 else f"{', '.join(words[:-1])} and {words[-1]}"


def plain(text: str) -> str:
    """``text`` without Markdown's code marks, for glued text, which the book renders as plain text."""
    return text.replace("`", "")
