"""Write environment.yml (conda-forge) from requirements.lock so the two always agree.

Run by `make lock`; tests/test_environment.py fails if they drift apart.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
pins = [
    line.strip()
    for line in (ROOT / "requirements.lock").read_text().splitlines()
    if line.strip() and not line.startswith("#")
]
lines = [
    "# Generated from requirements.lock by `make lock`; do not edit by hand.",
    "# CPU build of TensorFlow; for a GPU replace tensorflow-cpu with tensorflow[and-cuda] (see README).",
    "name: melodyreg",
    "channels:",
    "  - conda-forge",
    "dependencies:",
    "  - python=3.11",
    "  - fluidsynth",
    "  - nodejs",
    "  - pip",
    "  - pip:",
    *[f"      - {pin}" for pin in pins],
    "      - -e .",
]
(ROOT / "environment.yml").write_text("\n".join(lines) + "\n")
