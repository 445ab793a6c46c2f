"""SAflexClassifier as a user meets it: upstream baseline, validation data, real tabular data."""

import numpy as np
import pytest

from skaug import CutMix, GaussianNoise, SAflexClassifier


def test_refine_false_is_the_upstream_baseline(data):
    X, y = data
    common = dict(augmenter=CutMix(p=0.5), refine=False, max_epochs=8, random_state=0)
    a = SAflexClassifier(validation_fraction=0.1, **common).fit(X, y)
    b = SAflexClassifier(validation_fraction=0.3, **common).fit(X, y)  # no split is made
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert not hasattr(a, "kept_fraction_")
    c = SAflexClassifier(augmenter=CutMix(p=0.5), max_epochs=8, random_state=0).fit(X, y)
    assert not np.allclose(c.predict_proba(X), a.predict_proba(X))
    assert 0 < c.kept_fraction_ <= 1


def test_explicit_validation_data(data):
    X, y = data
    clf = SAflexClassifier(max_epochs=5, random_state=0)
    clf.fit(X[:250], y[:250], validation_data=(X[250:], y[250:]))
    assert clf.score(X, y) > 0.5
    with pytest.raises(ValueError, match="features"):
        clf.fit(X[:250], y[:250], validation_data=(X[250:, :3], y[250:]))
    with pytest.raises(ValueError, match="not in the training labels"):
        clf.fit(X[:250], y[:250], validation_data=(X[250:], y[250:] + 10))


def test_an_augmenter_with_the_wrong_shape_gets_a_clear_error(data):
    X, y = data

    def bad(X, Y, generator):
        return X[:, :2], Y

    with pytest.raises(ValueError, match="augmenter bad returned X_aug of shape"):
        SAflexClassifier(augmenter=bad, max_epochs=1).fit(X, y)


def test_any_callable_and_noise_work(data):
    X, y = data
    for aug in (GaussianNoise(std=0.3), lambda X, Y, g: (X.flip(0), Y.flip(0))):
        clf = SAflexClassifier(augmenter=aug, max_epochs=5, random_state=0).fit(X, y)
        assert clf.score(X, y) > 0.6


def test_pipeline_on_the_real_churn_csv_with_missing_values(data_dir):
    pd = pytest.importorskip("pandas")
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    path = data_dir / "tabular" / "churn_modelling.csv"
    if not path.exists():
        pytest.skip("churn_modelling.csv not in the data folder")
    df = pd.read_csv(path).drop(columns=["RowNumber", "CustomerId", "Surname"]).sample(
        2000, random_state=0
    )
    y = df.pop("Exited")
    cat = ["Geography", "Gender"]
    num = [c for c in df.columns if c not in cat]
    pre = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(), StandardScaler()), num),
        ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"),
                              OneHotEncoder(handle_unknown="ignore")), cat),
    ])
    clf = make_pipeline(pre, SAflexClassifier(augmenter=CutMix(p=0.3), max_epochs=10,
                                              random_state=0))
    scores = cross_val_score(clf, df, y, cv=3)
    assert scores.mean() > 0.8  # 79.6 % of customers stay: better than the majority
    # without the imputer the NaNs are refused loudly
    raw = make_pipeline(ColumnTransformer([("num", StandardScaler(), num)]),
                        SAflexClassifier(max_epochs=1))
    with pytest.raises(ValueError, match="NaN"):
        raw.fit(df, y)


def test_an_augmenter_may_return_no_rows(data):
    X, y = data

    def none(X, Y, generator):
        return X[:0], Y[:0]

    a = SAflexClassifier(augmenter=none, refine=False, max_epochs=5, random_state=0).fit(X, y)
    b = SAflexClassifier(augmenter=none, refine=True, max_epochs=5, random_state=0).fit(X, y)
    assert a.score(X, y) > 0.6 and b.score(X, y) > 0.6


def test_validation_interval_reuses_the_validation_gradient(data, monkeypatch):
    import skaug._saflex as mod

    X, y = data
    calls = []
    real = mod.validation_gradient
    monkeypatch.setattr(mod, "validation_gradient", lambda *a: calls.append(1) or real(*a))
    clf = SAflexClassifier(max_epochs=2, batch_size=50, validation_interval=3, random_state=0)
    clf.fit(X, y)
    steps = 2 * -(-(300 - 30) // 50)  # 2 epochs of ceil(270 / 50) batches
    assert len(calls) == -(-steps // 3)
