"""The family analysis: effect of the undocumented criteria on the ranking."""

import numpy as np
from numpy.testing import assert_allclose

from benchmark_tools.analysis import missing_data_bounds
from benchmark_tools.matrix import MISSING, VALUE, DecisionMatrix


def _matrix():
    # 4 cases × 2 ordinal criteria in one dimension; case "d" misses c2.
    values = np.array([[4.0, 0.0], [2.0, 2.0], [1.0, 1.0], [3.0, np.nan]])
    status = np.full(values.shape, VALUE)
    status[3, 1] = MISSING
    return DecisionMatrix.from_arrays(values, case_ids=list("abcd"), criterion_ids=["c1", "c2"],
                                      dimension_of=["dim", "dim"], status=status, types="ordinal",
                                      goalposts=[[0, 4], [0, 4]])


def test_bounds_by_hand(engine_make_settings, engine_make_profile):
    settings = engine_make_settings(threshold=0.4)
    profile = engine_make_profile({"dim": 1})
    df = missing_data_bounds(_matrix(), profile, settings, "arithmetic", "goalposts")
    # Available-case scores (level/4, mean): a 0.5, b 0.5, c 0.25, d 0.75 → d first.
    assert df.loc["d", "rang"] == 1
    # d with c2 at the worst level 0: (3/4 + 0)/2 = 0.375 → behind a and b (0.5), ahead of c → rank 3.
    assert df.loc["d", "rang au pire"] == 3
    # d with c2 at the best level 4: 0.875 → still first.
    assert df.loc["d", "rang au mieux"] == 1
    # d with c2 at the median of the documented values (0, 2, 1 → 1): (3/4 + 1/4)/2 = 0.5 → tied first with a, b.
    assert df.loc["d", "rang manquants à la médiane"] == 1
    # Cases without gaps keep their rank in the worst/best columns.
    assert_allclose(df.loc["c", ["rang", "rang au mieux", "rang au pire"]].to_numpy(dtype=float), [4, 4, 4])
    assert df.loc["d", "critères manquants"] == 1


def test_bounds_frame_the_rank(engine_make_settings, engine_make_profile, engine_matrix):
    df = missing_data_bounds(engine_matrix, engine_make_profile({"emp": 1, "inc": 1, "eco": 1}),
                             engine_make_settings(threshold=0.3), "arithmetic", "goalposts")
    assert (df["rang au mieux"] <= df["rang"]).all() and (df["rang"] <= df["rang au pire"]).all()
