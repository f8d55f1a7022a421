"""The machine a number came from: CPU model, vector extensions, and whether TensorFlow's oneDNN was on.

Same seed, same code, same kind of CPU: the same weights, bit for bit. On another
kind of CPU TensorFlow picks other kernels (other vector widths, other orders of
summation), and a run there is in effect another draw from the seeds'
distribution, not a copy. Every finished run therefore records :func:`record`
in its ``done.json``, and the reproducibility chapter groups a build's runs by
:func:`kind`.

TensorFlow turns oneDNN on by default on x86 CPUs with AVX-512 VNNI or BF16 (or
AMX), and ``TF_ENABLE_ONEDNN_OPTS`` forces it on (``1``) or off (``0``).
:func:`onednn_enabled` asks TensorFlow itself once it is imported.
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")
# /proc/cpuinfo flags that change which kernels TensorFlow and oneDNN choose, and how we name them
EXTENSIONS = {
    "avx2": "AVX2",
    "fma": "FMA",
    "avx512f": "AVX-512",
    "avx512_vnni": "AVX-512 VNNI",
    "avx512_bf16": "AVX-512 BF16",
    "avx_vnni": "AVX-VNNI",
    "amx_tile": "AMX",
}
ONEDNN_FLAG = "TF_ENABLE_ONEDNN_OPTS"
# the extensions on which TensorFlow turns oneDNN on by itself (x86 Linux builds, TF >= 2.9)
ONEDNN_DEFAULT_ON = ("avx512_vnni", "avx512_bf16", "avx_vnni", "amx_tile")


def _cpuinfo(path: Path = CPUINFO) -> dict[str, str]:
    """The first processor's fields in ``/proc/cpuinfo`` (empty where there is none)."""
    fields: dict[str, str] = {}
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return fields
    for line in text.splitlines():
        if not line.strip():
            if fields:
                break
            continue
        key, _, value = line.partition(":")
        fields.setdefault(key.strip().lower(), value.strip())
    return fields


def cpu_model(path: Path = CPUINFO) -> str:
    """The CPU's model name (from ``/proc/cpuinfo`` on Linux), else the platform's processor string."""
    return _cpuinfo(path).get("model name") or platform.processor() or platform.machine() or "unknown"


def cpu_flags(path: Path = CPUINFO) -> set[str]:
    """The CPU's feature flags (empty off Linux)."""
    return set(_cpuinfo(path).get("flags", "").split())


def vector_extensions(path: Path = CPUINFO) -> list[str]:
    """The vector extensions among :data:`EXTENSIONS` this CPU has, by name, e.g. ``["AVX2", "FMA"]``."""
    flags = cpu_flags(path)
    return [name for flag, name in EXTENSIONS.items() if flag in flags]


def onednn_enabled(path: Path = CPUINFO) -> bool:
    """Whether TensorFlow's oneDNN optimisations are on in this process: TensorFlow's own answer once it is
    imported, else :func:`onednn_expected`."""
    if "tensorflow" in sys.modules:
        try:
            from tensorflow.python.util import _pywrap_util_port

            return bool(_pywrap_util_port.IsMklEnabled())
        except (ImportError, AttributeError):  # a TensorFlow without the query
            pass
    return onednn_expected(path)


def onednn_expected(path: Path = CPUINFO) -> bool:
    """What TensorFlow will decide: the ``TF_ENABLE_ONEDNN_OPTS`` variable if set, else on for x86 CPUs
    with one of :data:`ONEDNN_DEFAULT_ON`."""
    flag = os.environ.get(ONEDNN_FLAG, "").strip().lower()
    if flag in ("1", "true", "yes", "on"):
        return True
    if flag in ("0", "false", "no", "off"):
        return False
    return platform.machine() in ("x86_64", "AMD64") and bool(cpu_flags(path) & set(ONEDNN_DEFAULT_ON))


def record(path: Path = CPUINFO) -> dict:
    """What a result records of the machine: CPU model, vector extensions, oneDNN, architecture."""
    return {
        "cpu": cpu_model(path),
        "extensions": vector_extensions(path),
        "onednn": onednn_enabled(path),
        "machine": platform.machine(),
    }


def kind(facts: dict | None) -> str:
    """A short name for the kind of machine in a :func:`record`: runs of one kind reproduce bit for bit.

    For example ``"AMD EPYC (AVX2, FMA; oneDNN off)"``; ``"not recorded"`` for runs trained
    before the record existed.
    """
    if not facts:
        return "not recorded"
    extensions = ", ".join(facts.get("extensions") or []) or "no AVX"
    return f"{facts.get('cpu', 'unknown CPU')} ({extensions}; oneDNN {'on' if facts.get('onednn') else 'off'})"
