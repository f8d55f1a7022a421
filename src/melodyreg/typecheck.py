"""Type checks for the frozen settings dataclasses: each field against its annotation.

A setting given as the wrong type (from a chapter's parameters, the command line or
a caller) fails with a :class:`ConfigError` that names the setting and the value,
instead of a traceback deep inside training. Ints are accepted for number fields;
a number must be finite (``1e999`` reads as infinity, ``nan`` as not a number).
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import types
import typing
from typing import Any


class ConfigError(ValueError):
    """A setting of the wrong type or out of range; the message names the setting and the value."""


SHOWN_CHARACTERS = 200  # a value longer than this (a pasted file?) is shortened in messages, which stay one line


def shown(value: Any) -> str:
    """``repr(value)`` for a message, shortened in the middle when long (with its length)."""
    text = repr(value)
    if len(text) <= SHOWN_CHARACTERS:
        return text
    half = SHOWN_CHARACTERS // 2
    return f"{text[:half]}...{text[-half:]} ({len(text):,} characters)"


def _describe(hint) -> str:
    if hint is int:
        return "an integer"
    if hint is float:
        return "a finite number"
    if hint is str:
        return "a string"
    if typing.get_origin(hint) is tuple:
        return f"a sequence of {_describe(typing.get_args(hint)[0]).split(' ', 1)[1]}s"
    return getattr(hint, "__name__", str(hint))


def coerce(name: str, value: Any, hint: Any) -> Any:
    """``value`` checked against the annotation ``hint`` (ints become floats for number fields).

    A string is accepted for a sequence of strings as one element (``collections="miscFolk"``).

    Raises:
        ConfigError: the value has the wrong type, or is a number that is not finite.
    """
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for option in (a for a in args if a is not type(None)):
            try:
                return coerce(name, value, option)
            except ConfigError as error:
                errors.append(error)
        kinds = " or ".join(_describe(a) for a in args if a is not type(None))
        raise ConfigError(f"{name} must be {kinds}{' or None' if type(None) in args else ''}, got {shown(value)}")
    if origin is tuple:
        element = args[0]
        if isinstance(value, str) and element is str:
            value = (value,)
        if isinstance(value, str | bytes) or not isinstance(value, tuple | list):
            raise ConfigError(f"{name} must be {_describe(hint)}, got {shown(value)}")
        return tuple(coerce(name, v, element) for v in value)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise ConfigError(f"{name} must be an integer, got {shown(value)}")
        return int(value)
    if hint is float:
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            try:
                number = float(value)
            except OverflowError:  # an integer beyond the largest float
                number = math.inf
            if math.isfinite(number):
                return number
        raise ConfigError(f"{name} must be a finite number, got {shown(value)}")
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{name} must be a string, got {shown(value)}")
        return value
    if isinstance(hint, type) and not isinstance(value, hint):
        raise ConfigError(f"{name} must be a {hint.__name__}, got {shown(value)}")
    return value


def check_types(instance) -> None:
    """Check (and normalise) every field of a frozen config dataclass against its annotation."""
    hints = typing.get_type_hints(type(instance))
    for f in dataclasses.fields(instance):
        value = getattr(instance, f.name)
        checked = coerce(f.name, value, hints[f.name])
        if checked is not value:
            object.__setattr__(instance, f.name, checked)
