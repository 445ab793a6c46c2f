"""skaug.samplers.base: imbalanced-learn's contract, sampling_strategy, pipelines, checks."""

import numpy as np
import pytest
from imblearn.pipeline import make_pipeline
from imblearn.utils.estimator_checks import parametrize_with_checks
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from skaug.samplers import (
    CutMixSampler,
    IDAASampler,
    ISDASampler,
    MixupSampler,
    NoiseSampler,
    SAflexSampler,
    SeASampler,
)

SAMPLERS = [CutMixSampler, MixupSampler, NoiseSampler, ISDASampler, SeASampler, IDAASampler,
            SAflexSampler]


# Defaults but random_state=0: imbalanced-learn's checks compare two fit_resample calls
# (numpy vs pandas input) and fail for its own SMOTE() too when the draws are unseeded.
_checks = parametrize_with_checks(
    [S(random_state=0) for S in SAMPLERS],
    expected_failed_checks=lambda est: {
        "check_samplers_pandas_sparse": "dense rows only: the augmentations mix and perturb "
                                        "dense feature vectors; sparse input gets a TypeError"},
)


# its parameter sets come as a generator: a list, so that the module can be collected
# again in the same process (mutation testing runs pytest in-process, more than once)
_checks = pytest.mark.parametrize(_checks.args[0], list(_checks.args[1]), **_checks.kwargs)


@_checks
def test_imbalanced_learn_and_sklearn_checks_with_defaults(estimator, check):
    check(estimator)


@pytest.mark.parametrize("S", SAMPLERS)
def test_originals_first_then_new_rows_of_the_asked_classes(S, binary_data):
    X, y = binary_data
    kw = {"vae_epochs": 3} if S is IDAASampler else {}
    X_res, y_res = S(random_state=0, **kw).fit_resample(X, y)
    np.testing.assert_array_equal(X_res[: len(X)], X)
    np.testing.assert_array_equal(y_res[: len(y)], y)
    assert np.bincount(y_res).tolist() == [160, 160]
    again = S(random_state=0, **kw).fit_resample(X, y)[0]
    np.testing.assert_array_equal(again, X_res)  # same random_state, same rows


@pytest.mark.parametrize("strategy, counts", [
    ("auto", [160, 160]), ({0: 170, 1: 50}, [170, 50]), (2.0, [320, 80]), (0.5, [160, 80]),
])
def test_sampling_strategy_as_in_imbalanced_learn_plus_multipliers(binary_data, strategy, counts):
    X, y = binary_data
    _, y_res = MixupSampler(sampling_strategy=strategy, random_state=0).fit_resample(X, y)
    assert np.bincount(y_res).tolist() == counts


def test_a_share_brings_every_class_up_to_it_for_any_number_of_classes():
    from imblearn.over_sampling import RandomOverSampler

    rng = np.random.RandomState(0)
    y = np.repeat([0, 1, 2, 3], [100, 60, 20, 5])
    X = rng.randn(len(y), 3)
    sampler = CutMixSampler(sampling_strategy=0.5, random_state=0)
    _, y_res = sampler.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [100, 60, 50, 50]  # 60 is already above 50
    assert sampler.sampling_strategy == 0.5  # the user's value is kept
    assert np.bincount(CutMixSampler(sampling_strategy=1.0, random_state=0)
                       .fit_resample(X, y)[1]).tolist() == [100] * 4
    # two classes: imbalanced-learn's own float, where it asks for rows
    Xb, yb = X[:160], y[:160]
    for share in (0.7, 1.0):
        ours = np.bincount(MixupSampler(sampling_strategy=share).fit_resample(Xb, yb)[1])
        theirs = np.bincount(RandomOverSampler(sampling_strategy=share).fit_resample(Xb, yb)[1])
        assert ours.tolist() == theirs.tolist()
    # where imbalanced-learn refuses (the minority already above the share): no new rows
    assert np.bincount(MixupSampler(sampling_strategy=0.5).fit_resample(Xb, yb)[1]).tolist() \
        == [100, 60]


def test_in_an_imblearn_pipeline_under_grid_search(binary_data):
    X, y = binary_data
    pipe = make_pipeline(CutMixSampler(random_state=0), LogisticRegression(max_iter=1000))
    search = GridSearchCV(pipe, {"cutmixsampler__p": [0.1, 0.9]}, cv=2,
                          scoring="balanced_accuracy").fit(X, y)
    assert search.best_params_["cutmixsampler__p"] in (0.1, 0.9)
    assert search.predict(X).shape == y.shape


def test_bad_input_says_what_to_do(binary_data):
    X, y = binary_data
    X = X.copy()
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        MixupSampler().fit_resample(X, y)
    with pytest.raises(ValueError):
        MixupSampler(sampling_strategy=-1.0).fit_resample(np.ones((4, 2)), [0, 0, 1, 1])


@pytest.mark.parametrize("S", SAMPLERS)
def test_fitted_samplers_save_with_skops(S, binary_data):
    import skops.io as sio

    from skaug.persistence import skaug_types

    X, y = binary_data
    kw = {"vae_epochs": 2} if S is IDAASampler else {}
    sampler = S(random_state=0, **kw)
    sampler.fit_resample(X, y)
    blob = sio.dumps(sampler)
    untrusted = set(sio.get_untrusted_types(data=blob))
    assert untrusted <= set(skaug_types())
    restored = sio.loads(blob, trusted=list(untrusted))
    np.testing.assert_array_equal(restored.fit_resample(X, y)[0], sampler.fit_resample(X, y)[0])



def _typed_frame(seed=0):
    """A DataFrame with a float, a bool (22 % / 32 % True by class), an int and a one-hot
    group of float 0/1 columns."""
    import pandas as pd

    rng = np.random.RandomState(seed)
    y = np.array([0] * 300 + [1] * 100)
    frame = pd.DataFrame({"x": rng.randn(400),
                          "flag": np.r_[rng.rand(300) < 0.32, rng.rand(100) < 0.22],
                          "count": rng.randint(2, 9, 400)})
    group = rng.randint(0, 3, 400)
    for k, name in enumerate(["red", "green", "blue"]):
        frame[name] = (group == k).astype(float)
    return frame, y


@pytest.mark.parametrize("S", SAMPLERS)
def test_new_rows_keep_the_column_types(S):
    frame, y = _typed_frame()
    X_res, y_res = S(random_state=0).fit_resample(frame, y)
    new = X_res.iloc[len(frame):]
    assert len(new) > 0 and (y_res[len(frame):] == 1).all()
    assert X_res.dtypes.to_dict() == frame.dtypes.to_dict()
    # booleans sampled as booleans: the share of True near the class's, not 0 % or 100 %
    assert abs(new["flag"].mean() - frame["flag"][y == 1].mean()) < 0.2
    # integers whole and within their observed range
    assert new["count"].between(2, 8).all()
    # one-hot groups keep exactly one 1
    np.testing.assert_array_equal(new[["red", "green", "blue"]].sum(axis=1), 1.0)
    assert set(np.unique(new[["red", "green", "blue"]])) <= {0.0, 1.0}


def test_column_types_leave_float_columns_as_the_method_makes_them():
    from skaug.samplers.base import ColumnTypes

    X = np.array([[0.0, 2.0, 1.0, 0.0], [1.0, 4.0, 0.0, 1.0], [1.0, 3.0, 1.0, 0.0]])
    made = np.array([[0.4, 3.6, 0.7, 0.2]])
    # floats of whole values: the method's (e.g. Mixup's) values stand, but the one-hot pair
    types = ColumnTypes.of(X, np.dtype(np.float64))
    np.testing.assert_array_equal(types.conform(made), [[0.4, 3.6, 1.0, 0.0]])
    # the same columns as a boolean and an integer: rounded, and clipped to the range
    types = ColumnTypes.of(X, [np.dtype(bool), np.dtype(np.int64), np.dtype(float),
                               np.dtype(float)])
    np.testing.assert_array_equal(types.conform(made + [[0, 1, 0, 0]]), [[0.0, 4.0, 1.0, 0.0]])


def test_discrete_float_columns_keep_their_values():
    """A float column of few distinct values (≤ 255, ≤ half the rows) gets new values only
    from those it takes, the nearest one; a continuous column is left as made."""
    from skaug.samplers.base import DISCRETE_VALUES, ColumnTypes, nearest_value

    rng = np.random.RandomState(0)
    n = 600
    X = np.c_[rng.randn(n), (rng.randint(0, 5, n) - 2) / 1.3, rng.randint(0, 300, n) * 0.1]
    types = ColumnTypes.of(X)
    assert sorted(types.grids) == [1]  # 5 values; 300 > DISCRETE_VALUES; randn: all distinct
    assert DISCRETE_VALUES == 255
    made = np.array([[0.123, 0.2, 1.23], [-7.0, 0.5, 0.0], [0.0, 99.0, 5.0]])
    out = types.conform(made)
    grid = np.unique(X[:, 1])
    np.testing.assert_allclose(out[:, 1], [0.0, grid[3], grid[-1]])  # 0.5 is nearest 1/1.3
    np.testing.assert_array_equal(out[:, [0, 2]], made[:, [0, 2]])
    # a column with as many values as rows / 2 or more is not discrete (small data)
    four = np.array([[0.0], [1.0], [2.0], [3.0], [0.0], [1.0], [2.0], [3.0]])
    assert list(ColumnTypes.of(four).grids) == [0]  # 4 values in 8 rows
    five = np.r_[four[:7], [[4.0]]]
    assert ColumnTypes.of(five).grids == {}  # 5 values in 8 rows
    np.testing.assert_array_equal(nearest_value(np.array([0.0, 1.0, 3.0]),
                                                np.array([-5, 0.5, 0.6, 2.0, 9.0])),
                                  [0.0, 0.0, 1.0, 1.0, 3.0])  # a tie goes to the lower value


def test_column_types_of_every_kind_and_where_groups_begin_and_end():
    from skaug.samplers.base import ColumnTypes

    # a one-hot pair from column 0, a second pair right after it, a lone 0/1 float column,
    # a uint 0/1 column (binary) and a uint count (integer)
    X = np.array([[1, 0, 0, 1, 0, 0, 3], [0, 1, 1, 0, 1, 1, 5], [1, 0, 1, 0, 1, 0, 4],
                  [0, 1, 0, 1, 0, 1, 7], [1, 0, 1, 0, 0, 0, 6]], dtype=float)
    dtypes = [np.dtype(float)] * 5 + [np.dtype(np.uint8), np.dtype(np.uint16)]
    types = ColumnTypes.of(X, dtypes)
    assert [g.tolist() for g in types.groups] == [[0, 1], [2, 3]]
    assert types.binary.tolist() == [False] * 5 + [True, False]
    assert types.integer.tolist() == [False] * 6 + [True]
    made = np.array([[0.6, 0.7, 0.2, 0.1, 0.4, 1.7, 9.4], [0.1, 0.2, 0.9, 0.3, 0.6, -0.6, 2.2]])
    out = types.conform(made)
    # the lone 0/1 float column takes 2 values in 5 rows: discrete, so its nearest value
    np.testing.assert_array_equal(out, [[0, 1, 1, 0, 0, 1, 7], [0, 1, 1, 0, 1, 0, 3]])
    # two adjacent 0/1 columns, never both 1 but sometimes both 0, are no one-hot group
    pair = np.array([[1, 0], [0, 1], [0, 0], [1, 0], [0, 1], [0, 0]], dtype=float)
    assert ColumnTypes.of(pair).groups == []
    np.testing.assert_array_equal(ColumnTypes.of(pair).conform(np.array([[0.2, 0.3]])), [[0, 0]])
    # an integer column is made whole and kept in range, not moved to a value it takes
    counts = np.array([[2], [4], [8], [2], [4], [8], [2], [4]], dtype=float)
    whole = ColumnTypes.of(counts, [np.dtype(np.int64)])
    np.testing.assert_array_equal(whole.conform(np.array([[3.1], [9.0]])), [[3.0], [8.0]])
    # a table of one boolean column alone is conformed too
    only = ColumnTypes.of(np.array([[0.0], [1.0], [1.0]]), [np.dtype(bool)])
    np.testing.assert_array_equal(only.conform(np.array([[0.8], [1.6], [-0.4]])),
                                  [[1.0], [1.0], [0.0]])


def test_a_sampling_strategy_of_zero_or_less_is_refused(binary_data):
    X, y = binary_data
    for strategy in (0.0, 0, -0.5):
        with pytest.raises(ValueError, match="sampling_strategy"):
            MixupSampler(sampling_strategy=strategy).fit_resample(X, y)


@pytest.mark.parametrize("S", [MixupSampler, NoiseSampler, ISDASampler, SeASampler,
                               IDAASampler])
def test_perturbing_samplers_keep_a_discrete_column_on_its_values(S):
    rng = np.random.RandomState(1)
    n = 300
    y = np.array([0] * 240 + [1] * 60)
    # the discrete column's values are not float32 numbers: torch methods (SeA, IDAA) work
    # in float32, and the grid must hold in float64
    X = np.c_[rng.randn(n) + y, (rng.randint(0, 4, n) + 0.5 * y) / 3, rng.randn(n)]
    kw = {"vae_epochs": 3} if S is IDAASampler else {}
    X_res, _ = S(random_state=0, **kw).fit_resample(X, y)
    new = X_res[n:]
    assert len(new) == 180
    assert set(np.unique(new[:, 1])) <= set(np.unique(X[:, 1]))
    # the continuous column is perturbed as made: new values, off the observed ones
    assert len(set(np.unique(new[:, 0])) - set(X[:, 0])) > 20


@pytest.mark.parametrize("S", [CutMixSampler, MixupSampler])
def test_a_class_of_one_row_is_warned_about(S, binary_data):
    X, y = binary_data
    keep = np.r_[np.flatnonzero(y == 0), np.flatnonzero(y == 1)[:1]]
    with pytest.warns(UserWarning, match=r"class 1 has a single row.*sampling_strategy"):
        S(random_state=0).fit_resample(X[keep], y[keep])
