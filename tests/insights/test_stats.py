"""Median and p90 on sets worked out by hand (linear interpolation between closest ranks)."""

import pytest

from incidents.insights.stats import median, percentile, summary


def test_median_of_an_odd_count_is_the_middle_value():
    assert median([300, 60, 120]) == 120


def test_median_of_an_even_count_is_the_mean_of_the_two_middle_values():
    assert median([60, 120, 180, 240]) == 150


def test_p90_of_ten_values_interpolates_between_the_ninth_and_tenth():
    # h = (10 - 1) * 0.9 = 8.1 → x[8] + 0.1 * (x[9] - x[8]) = 90 + 0.1 * 910 = 181
    values = [10, 20, 30, 40, 50, 60, 70, 80, 90, 1000]
    assert percentile(values, 0.9) == 181


def test_p90_of_an_odd_count():
    # h = (5 - 1) * 0.9 = 3.6 → x[3] + 0.6 * (x[4] - x[3]) = 400 + 0.6 * 600 = 760
    assert percentile([100, 200, 300, 400, 1000], 0.9) == 760


def test_p90_of_four_values():
    # h = 3 * 0.9 = 2.7 → 180 + 0.7 * 60 = 222
    assert percentile([60, 120, 180, 240], 0.9) == 222


def test_ties_are_kept_as_separate_ranks():
    # sorted: 60 60 60 600 → median = (60 + 60) / 2; p90: h = 2.7 → 60 + 0.7 * 540 = 438
    assert median([60, 600, 60, 60]) == 60
    assert percentile([60, 600, 60, 60], 0.9) == 438


def test_missing_milestones_are_left_out_not_counted_as_zero():
    assert median([None, 100, None, 300]) == 200
    assert summary([None, 100, None, 300]) == {"count": 2, "median": 200, "p90": 280}


def test_one_value_is_its_own_median_and_p90():
    assert summary([42]) == {"count": 1, "median": 42, "p90": 42}


def test_nothing_to_rank_gives_no_figure_rather_than_zero():
    assert summary([None, None]) == {"count": 0, "median": None, "p90": None}
    assert median([]) is None


def test_interpolated_values_keep_a_tenth_of_a_second():
    # h = 0.9 → 0 + 0.9 * 1 = 0.9
    assert percentile([0, 1], 0.9) == 0.9


def test_it_rejects_a_fraction_outside_zero_to_one():
    with pytest.raises(ValueError, match="between 0 and 1"):
        percentile([1, 2], 90)
