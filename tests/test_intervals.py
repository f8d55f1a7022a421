"""Bootstrap intervals over seeds and paired comparisons, against values worked out by hand."""

import numpy as np
import pandas as pd
import pytest

from melodyreg.evaluation import intervals


def test_one_value_gives_a_point_interval():
    assert intervals.bootstrap_ci([2.5]) == (2.5, 2.5, 2.5)


def test_interval_brackets_the_mean_and_repeats():
    values = [1.0, 2.0, 3.0, 4.0, 10.0]
    mean, low, high = intervals.bootstrap_ci(values, seed=3)
    assert mean == 4.0
    assert 1.0 <= low < mean < high <= 10.0
    assert intervals.bootstrap_ci(values, seed=3) == (mean, low, high)
    # constant values: every resample has the same mean
    assert intervals.bootstrap_ci([7.0, 7.0, 7.0]) == (7.0, 7.0, 7.0)


def test_interval_of_a_large_sample_is_close_to_the_normal_one():
    rng = np.random.default_rng(0)
    x = rng.normal(0.0, 1.0, size=400)
    _, low, high = intervals.bootstrap_ci(x, resamples=4000)
    half = 1.96 * x.std(ddof=1) / np.sqrt(len(x))
    assert (high - low) / 2 == pytest.approx(half, rel=0.1)


@pytest.mark.parametrize("bad", [[], [1.0, float("nan")]])
def test_bad_values_are_refused(bad):
    with pytest.raises(ValueError):
        intervals.bootstrap_ci(bad)
    with pytest.raises(ValueError, match="level"):
        intervals.bootstrap_ci([1.0, 2.0], level=1.0)


def test_paired_differences_use_matching_seeds():
    frame = pd.DataFrame(
        {"strategy": ["baseline", "baseline", "b", "b", "c"], "seed": [1, 2, 1, 2, 3], "v": [1.0, 5.0, 2.0, 6.0, 0.0]}
    )
    with pytest.raises(ValueError, match="share no seed"):
        intervals.paired(frame, "v")
    paired = intervals.paired(frame[frame.strategy != "c"], "v")
    # b − baseline is 1 at both seeds, although the seeds' levels differ by 4
    assert paired.to_dict("records") == [{"strategy": "b", "seeds": 2, "difference": 1.0, "low": 1.0, "high": 1.0}]
    with pytest.raises(ValueError, match="no 'baseline'"):
        intervals.paired(frame[frame.strategy == "b"], "v")


def test_summarise_sign_and_format():
    frame = pd.DataFrame({"strategy": ["a", "a", "b"], "v": [1.0, 3.0, 5.0]})
    summary = intervals.summarise(frame, "v")
    assert summary.strategy.tolist() == ["a", "b"] and summary.seeds.tolist() == [2, 1]
    assert summary["mean"].tolist() == [2.0, 5.0]
    assert (intervals.sign(0.1, 0.2), intervals.sign(-0.2, -0.1), intervals.sign(-0.1, 0.1)) == (1, -1, 0)
    assert intervals.format_ci(1.0, 1.0, 1.0) == "1.000"
    assert intervals.format_ci(1.0, 0.5, 1.25, 2) == "1.00 [0.50, 1.25]"


def test_expanded_percentiles_widen_small_samples():
    # n = 5: sqrt(5/4) * t(4, 0.975) = 1.118 * 2.776 = 3.104, Phi(-3.104) = 0.00095
    assert intervals.expanded_tail(5) == pytest.approx(0.000955, rel=0.02)
    # large n: back to the plain 2.5 % tails
    assert intervals.expanded_tail(10_000) == pytest.approx(0.025, rel=0.01)


def test_coverage_with_five_seeds_is_near_the_nominal_level():
    rng = np.random.default_rng(1)
    hits = 0
    for i in range(400):
        _, low, high = intervals.bootstrap_ci(rng.normal(size=5), seed=i, resamples=2000)
        hits += low <= 0 <= high
    assert 0.87 <= hits / 400 <= 0.97  # the plain percentile interval covers about 0.83 here
