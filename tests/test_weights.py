"""Tests of surrogate weights (ROC, rank sum) against values computed by hand."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from numpy.testing import assert_allclose

from benchmark_tools.weights import (
    profile_from_ranking,
    rank_order_centroid,
    rank_sum,
    weights_from_ranking,
    write_profile,
)


def test_roc_three_items_by_hand():
    # w_k = (1/n) * sum_{j>=k} 1/j, n = 3
    w1 = (1 + 1 / 2 + 1 / 3) / 3  # 11/18
    w2 = (1 / 2 + 1 / 3) / 3  # 5/18
    w3 = (1 / 3) / 3  # 1/9
    assert_allclose(rank_order_centroid([1, 2, 3]), [11 / 18, 5 / 18, 2 / 18])
    assert_allclose(rank_order_centroid([1, 2, 3]), [w1, w2, w3])


def test_roc_seven_items_by_hand():
    # Fractions over the common denominator 2940 = 7 * 420:
    # w7 = (1/7)/7 = 60/2940, w6 = (1/6+1/7)/7 = 130/2940, w5 = (1/5+1/6+1/7)/7 = 214/2940,
    # w4 = 319/2940, w3 = 459/2940, w2 = 669/2940, w1 = (1+1/2+...+1/7)/7 = 1089/2940 = 363/980.
    expected = np.array([1089, 669, 459, 319, 214, 130, 60]) / 2940
    assert_allclose(rank_order_centroid([1, 2, 3, 4, 5, 6, 7]), expected)
    assert_allclose(expected[0], 363 / 980)


def test_roc_follows_input_order():
    # Item ranks given out of order: weights come back in the input order.
    assert_allclose(rank_order_centroid([3, 1, 2]), [2 / 18, 11 / 18, 5 / 18])


def test_rank_sum_by_hand():
    # w_k = 2 (n + 1 - k) / (n (n + 1)), n = 4 -> 4/10, 3/10, 2/10, 1/10
    assert_allclose(rank_sum([1, 2, 3, 4]), [0.4, 0.3, 0.2, 0.1])
    # n = 3 -> 3/6, 2/6, 1/6
    assert_allclose(rank_sum([2, 3, 1]), [2 / 6, 1 / 6, 3 / 6])


def test_ties_share_average_of_their_positions():
    # ROC, n = 3: two items tied first occupy positions 1 and 2 -> (11/18 + 5/18) / 2 = 8/18 each.
    assert_allclose(rank_order_centroid([1, 1, 3]), [8 / 18, 8 / 18, 2 / 18])
    # Dense ranks describe the same ranking.
    assert_allclose(rank_order_centroid([1, 1, 2]), [8 / 18, 8 / 18, 2 / 18])
    # Rank sum, n = 3, two tied last: (2/6 + 1/6) / 2 = 1/4 each.
    assert_allclose(rank_sum([1, 2, 2]), [1 / 2, 1 / 4, 1 / 4])
    # All tied: equal weights.
    assert_allclose(rank_order_centroid([1, 1, 1, 1]), [0.25] * 4)


@pytest.mark.parametrize("rule", ["roc", "rank_sum"])
@pytest.mark.parametrize("ranks", [[1], [1, 2], [2, 1, 1, 4, 3], [1, 2, 3, 4, 5, 6, 7], [1, 1, 3, 3, 3, 6, 7]])
def test_normalisation_and_monotonicity(rule, ranks):
    w = np.array(list(weights_from_ranking({f"d{i}": r for i, r in enumerate(ranks)}, rule).values()))
    assert_allclose(w.sum(), 1.0)
    assert np.all(w >= 0)
    r = np.asarray(ranks)
    # A better (smaller) rank never gets a smaller weight; equal ranks get equal weights.
    for i in range(len(r)):
        for j in range(len(r)):
            if r[i] < r[j]:
                assert w[i] > w[j]
            if r[i] == r[j]:
                assert_allclose(w[i], w[j])


def test_invalid_inputs():
    with pytest.raises(ValueError):
        rank_order_centroid([])
    with pytest.raises(ValueError):
        rank_order_centroid([0, 1])
    with pytest.raises(ValueError):
        weights_from_ranking({"a": 1}, "ahp")


def test_profile_from_ranking_and_write(tmp_path):
    dims = ["empowerment", "inclusion", "deliberation"]
    data = profile_from_ranking(
        "essai", "Essai", {"inclusion": 2, "empowerment": 1, "deliberation": 3}, "roc",
        "Point de vue d'essai.", "Parce que.", dimension_ids=dims,
    )
    assert list(data["dimension_weights"]) == dims
    assert_allclose(
        [data["dimension_weights"][d] for d in dims], [11 / 18, 5 / 18, 2 / 18], atol=1e-4
    )
    path = write_profile(tmp_path / "essai.yml", data)
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert loaded["id"] == "essai"
    assert "centroïde" in loaded["rationale"]
    assert loaded["elicitation"] == {"rule": "roc", "ranking": {"empowerment": 1, "inclusion": 2, "deliberation": 3}}
    with pytest.raises(FileExistsError):
        write_profile(path, data)


def test_profile_requires_every_dimension():
    with pytest.raises(ValueError):
        profile_from_ranking("x", "X", {"empowerment": 1}, "roc", dimension_ids=["empowerment", "inclusion"])
    with pytest.raises(ValueError):
        profile_from_ranking("x", "X", {"empowerment": 1, "foo": 2}, "roc", dimension_ids=["empowerment"])
