"""Checking values against annotations (melodyreg.typecheck)."""

from __future__ import annotations

import dataclasses

import pytest

from melodyreg.typecheck import ConfigError, check_types, coerce, shown


@pytest.mark.parametrize(
    ("value", "hint", "expected"),
    [
        (3, float, 3.0),
        (3, int, 3),
        (None, int | None, None),
        (2, float | None, 2.0),
        ([1, 2], tuple[float, ...], (1.0, 2.0)),
        ("miscFolk", tuple[str, ...], ("miscFolk",)),
    ],
)
def test_values_of_the_right_kind_are_normalised(value, hint, expected):
    checked = coerce("x", value, hint)
    assert checked == expected and type(checked) is type(expected)


@pytest.mark.parametrize(
    ("value", "hint", "message"),
    [
        (True, int, "x must be an integer, got True"),
        (1.5, int, "x must be an integer, got 1.5"),
        ("1", float, "x must be a finite number, got '1'"),
        (3, str, "x must be a string, got 3"),
        ("a", int | None, "x must be an integer or None, got 'a'"),
        ("ab", tuple[int, ...], "x must be a sequence of integers, got 'ab'"),
        ([1, "b"], tuple[int, ...], "x must be an integer, got 'b'"),
        (float("inf"), float, "x must be a finite number, got inf"),
        (float("-inf"), float | None, "x must be a finite number or None, got -inf"),
        (float("nan"), float, "x must be a finite number, got nan"),
        (10**400, float, "x must be a finite number, got 1000"),
        ([1.0, float("nan")], tuple[float, ...], "x must be a finite number, got nan"),
    ],
)
def test_wrong_kinds_are_refused_with_the_name_and_the_value(value, hint, message):
    with pytest.raises(ConfigError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        coerce("x", value, hint)


def test_check_types_normalises_the_fields_of_a_frozen_dataclass():
    @dataclasses.dataclass(frozen=True)
    class Settings:
        rate: float
        sizes: tuple[int, ...]

    settings = Settings(rate=1, sizes=[2, 3])
    check_types(settings)
    assert settings == Settings(rate=1.0, sizes=(2, 3)) and isinstance(settings.sizes, tuple)
    with pytest.raises(ConfigError, match="rate must be a finite number"):
        check_types(Settings(rate="fast", sizes=()))


def test_a_long_value_is_shown_shortened_with_its_length():
    assert shown("abc") == "'abc'"
    long = shown("x" * 1000)
    assert long == f"'{'x' * 99}...{'x' * 99}' (1,002 characters)"
