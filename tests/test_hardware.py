"""The machine a run records: CPU model, vector extensions, oneDNN."""

from __future__ import annotations

import pytest

from melodyreg import hardware

AVX512_BOX = """processor	: 0
vendor_id	: AuthenticAMD
model name	: AMD EPYC 9R14
flags		: fpu sse sse2 avx avx2 fma avx512f avx512_vnni avx512_bf16

processor	: 1
model name	: another core
flags		: fpu
"""
AVX2_BOX = "processor : 0\nmodel name : AMD EPYC\nflags : fpu sse avx avx2 fma\n"


@pytest.fixture
def cpuinfo(tmp_path):
    def write(text: str):
        path = tmp_path / "cpuinfo"
        path.write_text(text)
        return path

    return write


def test_model_and_extensions_come_from_the_first_processor(cpuinfo):
    path = cpuinfo(AVX512_BOX)
    assert hardware.cpu_model(path) == "AMD EPYC 9R14"
    assert hardware.vector_extensions(path) == ["AVX2", "FMA", "AVX-512", "AVX-512 VNNI", "AVX-512 BF16"]
    assert hardware.vector_extensions(cpuinfo(AVX2_BOX)) == ["AVX2", "FMA"]


def test_without_cpuinfo_the_platform_answers(tmp_path):
    missing = tmp_path / "absent"
    assert hardware.cpu_model(missing)  # the platform's processor or machine string
    assert hardware.vector_extensions(missing) == []


@pytest.mark.parametrize(
    "flag, box, on",
    [
        ("", AVX512_BOX, True),  # TensorFlow's default on VNNI/BF16 CPUs
        ("", AVX2_BOX, False),
        ("0", AVX512_BOX, False),
        ("1", AVX2_BOX, True),
        ("true", AVX2_BOX, True),
    ],
)
def test_onednn_follows_the_variable_then_the_cpu(cpuinfo, monkeypatch, flag, box, on):
    monkeypatch.setattr(hardware.platform, "machine", lambda: "x86_64")
    monkeypatch.setenv(hardware.ONEDNN_FLAG, flag)
    assert hardware.onednn_expected(cpuinfo(box)) is on


def test_a_record_names_its_kind(cpuinfo):
    facts = hardware.record(cpuinfo(AVX2_BOX))
    assert set(facts) == {"cpu", "extensions", "onednn", "machine"} and facts["cpu"] == "AMD EPYC"
    assert hardware.kind({"cpu": "AMD EPYC", "extensions": ["AVX2", "FMA"], "onednn": False}) == (
        "AMD EPYC (AVX2, FMA; oneDNN off)"
    )
    assert hardware.kind(None) == "not recorded"
