"""Exact levels and corrected families (melodyreg.evaluation.significance), against hand-computed answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from melodyreg.evaluation import significance as sig


def test_t_interval_by_hand():
    # differences 1, 2, 3: mean 2, sd 1, t(0.975, 2) = 4.302653 -> half width 4.302653 / sqrt(3)
    mean, low, high = sig.t_interval([1.0, 2.0, 3.0])
    half = 4.302652729911275 / math.sqrt(3)
    assert mean == 2.0 and low == pytest.approx(2 - half) and high == pytest.approx(2 + half)
    assert sig.t_interval([0.5]) == (0.5, -math.inf, math.inf)
    assert sig.t_interval([0.2, 0.2, 0.2]) == (pytest.approx(0.2), pytest.approx(0.2), pytest.approx(0.2))


def test_t_interval_covers_at_its_level_for_normal_differences():
    rng = np.random.default_rng(0)
    draws = rng.normal(0.3, 1.0, size=(4000, 3))
    covered = np.mean([low <= 0.3 <= high for _, low, high in map(sig.t_interval, draws)])
    assert abs(covered - 0.95) < 0.015  # exact at n = 3, where a bootstrap interval covers at most 75 %


def test_t_pvalue_by_hand_and_its_edges():
    # differences 1, 2, 3: t = 2 / (1 / sqrt 3) = 3.4641 on 2 df -> two-sided p = 0.07418
    assert sig.t_pvalue([1.0, 2.0, 3.0]) == pytest.approx(0.0741799, abs=1e-6)
    assert sig.t_pvalue([1.0]) == 1.0 and sig.t_pvalue([0.0, 0.0]) == 1.0 and sig.t_pvalue([0.4, 0.4]) == 0.0
    with pytest.raises(ValueError, match="non-finite"):
        sig.t_pvalue([1.0, math.nan])
    with pytest.raises(ValueError, match="no differences"):
        sig.t_interval([])


def test_sign_test_by_hand_and_its_smallest_sample():
    assert sig.sign_pvalue([1, 2, 3, 4, 5]) == pytest.approx(2 * 0.5**5)  # 0.0625: cannot reject at 5 %
    assert sig.sign_pvalue([1, 2, 3, 4, 5, 6]) == pytest.approx(2 * 0.5**6)  # 0.03125
    assert sig.sign_pvalue([1, -1, 0]) == 1.0 and sig.sign_pvalue([0, 0]) == 1.0
    assert sig.sign_test_min_seeds(0.95) == 6 and sig.sign_test_min_seeds(0.9) == 5


def test_holm_on_a_family_with_a_known_answer():
    # p = 0.01, 0.04, 0.03, 0.005 (m = 4): sorted 0.005, 0.01, 0.03, 0.04 -> x4, x3, x2, x1
    # = 0.02, 0.03, 0.06, 0.04 -> monotone 0.02, 0.03, 0.06, 0.06
    adjusted = sig.holm([0.01, 0.04, 0.03, 0.005])
    np.testing.assert_allclose(adjusted, [0.03, 0.06, 0.06, 0.02])
    assert (adjusted <= 0.05).tolist() == [True, False, False, True]  # uncorrected, all four would reject
    np.testing.assert_allclose(sig.holm([0.5, 0.9]), [1.0, 1.0])  # capped at 1
    with_gaps = sig.holm([0.01, math.nan, 0.02])  # NaN: not a test, and not counted in the family
    assert math.isnan(with_gaps[1]) and with_gaps[[0, 2]].tolist() == pytest.approx([0.02, 0.02])
    assert sig.holm([]).shape == (0,)
    with pytest.raises(ValueError, match="must lie in"):
        sig.holm([1.5])


def test_holm_keeps_the_familywise_error_at_its_level_under_the_null():
    rng = np.random.default_rng(1)
    families = rng.uniform(size=(20_000, 6))  # six true null hypotheses per family
    any_raw = np.mean((families <= 0.05).any(axis=1))
    any_holm = np.mean((np.apply_along_axis(sig.holm, 1, families) <= 0.05).any(axis=1))
    assert any_raw > 0.25 and any_holm <= 0.052  # uncorrected: 1 - 0.95^6 = 26 %


def test_one_sided_pvalue_by_hand_and_its_edges():
    # differences 1, 2, 3: t = 3.4641 on 2 df -> one side 0.0370900, the other 1 - that
    assert sig.one_sided_pvalue([1.0, 2.0, 3.0]) == pytest.approx(0.0370900, abs=1e-6)
    assert sig.one_sided_pvalue([1.0, 2.0, 3.0], above=False) == pytest.approx(1 - 0.0370900, abs=1e-6)
    assert sig.one_sided_pvalue([3.0, 4.0, 5.0], 2.0) == pytest.approx(0.0370900, abs=1e-6)  # against a threshold
    assert sig.one_sided_pvalue([0.5]) == 1.0
    assert sig.one_sided_pvalue([0.4, 0.4]) == 0.0 and sig.one_sided_pvalue([0.4, 0.4], 0.5) == 1.0
