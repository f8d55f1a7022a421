"""The pinned lock file, environment.yml and pyproject.toml agree."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(lines) -> dict[str, str]:
    pins = {}
    for line in lines:
        line = line.strip()
        if not line or line.startswith(("#", "-e", "-")):
            continue
        name, sep, version = line.partition("==")
        assert sep, f"unpinned requirement {line!r}"
        pins[_normalise(name)] = version
    return pins


def lock_pins() -> dict[str, str]:
    return _pins((ROOT / "requirements.lock").read_text().splitlines())


def environment_pins() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    return _pins(pip_section)


def test_lock_and_environment_pin_the_same_packages_and_versions():
    lock, env = lock_pins(), environment_pins()
    assert set(lock) == set(env), f"only in lock: {set(lock) - set(env)}; only in env: {set(env) - set(lock)}"
    differing = {name: (lock[name], env[name]) for name in lock if lock[name] != env[name]}
    assert not differing, f"versions differ (lock, env): {differing}"


def test_environment_has_python_311_and_fluidsynth_from_conda_forge():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    plain = [d for d in env["dependencies"] if isinstance(d, str)]
    assert "python=3.11" in plain and "fluidsynth" in plain


def test_every_declared_dependency_is_pinned():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        declared += extra
    lock = lock_pins()
    names = {_normalise(re.split(r"[<>=!\[ ]", d)[0]) for d in declared}
    assert names - set(lock) == set(), f"declared but not pinned: {names - set(lock)}"


def test_cpu_tensorflow_and_jupyter_book_1_are_pinned():
    lock = lock_pins()
    assert "tensorflow-cpu" in lock and "tensorflow" not in lock
    assert lock["jupyter-book"].startswith("1."), "Jupyter Book 2 cannot build offline"
