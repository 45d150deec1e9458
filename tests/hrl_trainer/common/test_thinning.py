import itertools

import pytest

from hrl_trainer.common.thinning import thin_evenly


def test_short_series_are_kept_whole():
    assert thin_evenly([1, 2, 3], 5) == [1, 2, 3]
    assert thin_evenly([1, 2, 3], None) == [1, 2, 3]


def test_thinning_keeps_the_ends_and_spreads_evenly():
    items = list(range(1, 101))  # episodes 1..100
    thinned = thin_evenly(items, 12)
    assert len(thinned) == 12
    assert thinned[0] == 1 and thinned[-1] == 100
    assert thinned == sorted(set(thinned))
    gaps = {b - a for a, b in itertools.pairwise(thinned)}
    assert gaps <= {9, 10}


def test_two_points_are_the_ends():
    assert thin_evenly(list(range(10)), 2) == [0, 9]


def test_a_limit_below_two_is_refused():
    with pytest.raises(ValueError):
        thin_evenly(list(range(10)), 1)
