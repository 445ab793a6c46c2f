"""SAflexClassifier and its Step (skaug/_saflex.py): learned labels and weights, validation rows."""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skaug import (
    IDAA,
    CutMix,
    GaussianNoise,
    SAflexClassifier,
)
from skaug._saflex import SAflexStep
from skaug._shell.step import HeldOut
from skaug.methods.common import soft_cross_entropy
from skaug.methods.saflex import (
    logits_and_jvp,
    rescale_rows,
    saflex_pi,
    saflex_targets,
    validation_gradient,
)
from tests._helpers import SMALL, _head, _step_problem, _with_other_global_rng


class _ShiftRelabel:
    """A deterministic upstream augmenter: every row shifted, every label moved to the next class."""

    def __call__(self, X, Y, generator):
        return X + 0.7, torch.roll(Y, 1, dims=1)


def _saflex_case(seed=0):
    X, y = _step_problem(n=32, seed=seed)
    Xv, yv = _step_problem(n=12, seed=seed + 100)
    head = _head(5, 3, hidden=(8,), seed=seed)
    step = SAflexStep(augmenter=_ShiftRelabel(), n_classes=3, validation=HeldOut(Xv, yv),
                      beta=1.5, temperature=0.0, rescale=True, validation_interval=1,
                      validation_batch_size=128)
    return X, y, Xv, yv, head, step


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


def test_saflex_fits_a_copy_of_the_idaa_augmenter(data):
    X, y = data
    idaa = IDAA(latent_dim=3, epsilon=0.2, vae_epochs=5)
    clf = SAflexClassifier(augmenter=idaa, **SMALL).fit(X, y)
    assert not hasattr(idaa, "vae_")  # the user's object is untouched
    assert clf.augmenter_ is not idaa and hasattr(clf.augmenter_, "vae_")
    # fitted on the training split only (SAflex holds out its validation rows)
    assert clf.augmenter_.vae_.mean.shape == (8,)
    cutmix = SAflexClassifier(augmenter=CutMix(), **SMALL).fit(X, y)
    assert not np.allclose(clf.predict_proba(X), cutmix.predict_proba(X))
    again = SAflexClassifier(augmenter=idaa, **SMALL).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))


def test_saflex_step_trains_on_its_learned_labels_and_weights():
    X, y, Xv, yv, head, step = _saflex_case()
    got = step.loss(head, X, y, None, generator=torch.Generator(), progress=0.0)
    # independent path: the labels and weights of Theorem 1 for these rows
    X_aug, Y_aug = X + 0.7, torch.roll(F.one_hot(y, 3).to(X.dtype), 1, dims=1)
    g_val = validation_gradient(head, Xv, yv)
    params = dict(head.named_parameters())
    with torch.no_grad():
        z_aug, J = logits_and_jvp(head, params, X_aug, g_val)
        targets, weights = saflex_targets(rescale_rows(saflex_pi(z_aug, J)), Y_aug, 1.5, 0.0)
    clean = F.cross_entropy(head(X), y)
    expected = clean + (weights * soft_cross_entropy(head(X_aug), targets)).sum()
    torch.testing.assert_close(got, expected)
    # the case separates SAflex from "upstream labels" and from "uniform weights"
    assert not torch.equal(targets, Y_aug)
    assert (weights == 0).any() and (weights > 0).any()
    upstream = clean + soft_cross_entropy(head(X_aug), Y_aug).mean()
    uniform = clean + soft_cross_entropy(head(X_aug), targets).mean()
    assert not torch.isclose(got, upstream) and not torch.isclose(got, uniform)
    assert step.kept == [pytest.approx(float((weights > 0).double().mean()))]


def test_saflex_step_without_validation_is_the_upstream_augmentation_as_it_comes():
    X, y, _, _, head, _ = _saflex_case()
    step = SAflexStep(augmenter=_ShiftRelabel(), n_classes=3, validation=None, beta=3.0,
                      temperature=0.0, rescale=True, validation_interval=5,
                      validation_batch_size=128)
    got = step.loss(head, X, y, None, generator=torch.Generator(), progress=0.0)
    Y_aug = torch.roll(F.one_hot(y, 3).to(X.dtype), 1, dims=1)
    expected = F.cross_entropy(head(X), y) + soft_cross_entropy(head(X + 0.7), Y_aug).mean()
    torch.testing.assert_close(got, expected)
    assert "kept_fraction_" not in step.fitted_attributes()


def test_saflex_step_reuses_the_validation_gradient_for_validation_interval_steps():
    X, y, Xv, yv, head, step = _saflex_case()
    step.validation_interval = 2
    g = torch.Generator()
    step.loss(head, X, y, None, generator=g, progress=0.0)
    first = step.g_val
    step.loss(head, X, y, None, generator=g, progress=0.0)
    assert step.g_val is first
    step.loss(head, X, y, None, generator=g, progress=0.0)
    assert step.g_val is not first and step.calls == 3


def test_saflex_step_linearises_in_eval_mode_and_restores_train_mode():
    X, y, Xv, yv, _, _ = _saflex_case()
    head = _head(5, 3, hidden=(16,), dropout=0.5)
    step = SAflexStep(augmenter=_ShiftRelabel(), n_classes=3, validation=HeldOut(Xv, yv),
                      beta=0.0, temperature=0.0, rescale=True, validation_interval=1,
                      validation_batch_size=128)
    head.train()
    t1, w1 = step.targets(head, X + 0.7, F.one_hot(y, 3).double(), torch.Generator())
    assert head.training
    t2, w2 = step.targets(head, X + 0.7, F.one_hot(y, 3).double(), torch.Generator())
    assert torch.equal(t1, t2) and torch.equal(w1, w2)  # no dropout in the linearisation


def test_saflex_step_passes_sample_weights_to_the_augmented_rows():
    X, y, _, _, head, _ = _saflex_case()
    step = SAflexStep(augmenter=_ShiftRelabel(), n_classes=3, validation=None, beta=3.0,
                      temperature=0.0, rescale=True, validation_interval=5,
                      validation_batch_size=128)
    w = torch.linspace(0.2, 3.0, len(y), dtype=X.dtype)  # mean ≠ 1: the renormalisation counts
    got = step.loss(head, X, y, w, generator=torch.Generator(), progress=0.0)
    Y_aug = torch.roll(F.one_hot(y, 3).to(X.dtype), 1, dims=1)
    clean = (F.cross_entropy(head(X), y, reduction="none") * w).sum() / len(y)
    augmented = (w / w.sum() * soft_cross_entropy(head(X + 0.7), Y_aug)).sum()
    torch.testing.assert_close(got, clean + augmented)


def test_saflex_step_samples_its_validation_batches_with_the_generator():
    X, y, Xv, yv, head, _ = _saflex_case()
    Xv, yv = _step_problem(n=40, seed=7)

    def run(seed=0):
        step = SAflexStep(augmenter=_ShiftRelabel(), n_classes=3, validation=HeldOut(Xv, yv),
                          beta=1.0, temperature=0.5, rescale=True, validation_interval=1,
                          validation_batch_size=8)
        return step.loss(head, X, y, None, generator=torch.Generator().manual_seed(seed),
                         progress=0.0)

    a, b = _with_other_global_rng(run)
    torch.testing.assert_close(a, b)
    assert not torch.isclose(a, run(seed=3))


@pytest.mark.parametrize("rows", [0, 1])
def test_saflex_step_with_few_augmented_rows(rows):
    X, y, _, _, head, _ = _saflex_case()

    def few(X, Y, generator):
        return X[:rows] + 1.0, Y[:rows]

    step = SAflexStep(augmenter=few, n_classes=3, validation=None, beta=3.0, temperature=0.0,
                      rescale=True, validation_interval=5, validation_batch_size=128)
    got = step.loss(head, X, y, None, generator=torch.Generator(), progress=0.0)
    expected = F.cross_entropy(head(X), y)
    if rows:
        expected = expected + soft_cross_entropy(head(X[:1] + 1.0),
                                                 F.one_hot(y[:1], 3).to(X.dtype)).sum()
    torch.testing.assert_close(got, expected)


def test_saflex_step_with_the_paper_s_raw_pi():
    X, y, Xv, yv, head, step = _saflex_case()
    step.rescale, step.beta = False, 1.0
    got = step.loss(head, X, y, None, generator=torch.Generator(), progress=0.0)
    X_aug, Y_aug = X + 0.7, torch.roll(F.one_hot(y, 3).to(X.dtype), 1, dims=1)
    g_val = validation_gradient(head, Xv, yv)
    with torch.no_grad():
        z_aug, J = logits_and_jvp(head, dict(head.named_parameters()), X_aug, g_val)
        pi = saflex_pi(z_aug, J)
        targets, weights = saflex_targets(pi, Y_aug, 1.0, 0.0)
    # the switch matters here: the rescaled Π̂ gives other labels or weights
    scaled_targets, scaled_weights = saflex_targets(rescale_rows(pi), Y_aug, 1.0, 0.0)
    assert not (torch.equal(targets, scaled_targets) and torch.equal(weights, scaled_weights))
    expected = F.cross_entropy(head(X), y) + (weights * soft_cross_entropy(head(X_aug),
                                                                         targets)).sum()
    torch.testing.assert_close(got, expected)


def test_saflex_step_without_augmented_rows_keeps_the_sample_weights():
    X, y, _, _, head, _ = _saflex_case()
    step = SAflexStep(augmenter=lambda X, Y, g: (X[:0], Y[:0]), n_classes=3, validation=None,
                      beta=3.0, temperature=0.0, rescale=True, validation_interval=5,
                      validation_batch_size=128)
    w = torch.linspace(0.1, 3.0, len(y), dtype=X.dtype)
    got = step.loss(head, X, y, w, generator=torch.Generator(), progress=0.0)
    ce = F.cross_entropy(head(X), y, reduction="none")
    torch.testing.assert_close(got, (ce * w).sum() / len(y))


def test_validation_data_through_a_pipeline_is_refused_and_the_mask_works(small_blobs):
    X, y = small_blobs
    X = X * 1000.0  # unscaled validation rows would be far off
    pipe = make_pipeline(StandardScaler(), SAflexClassifier(max_epochs=2, random_state=0))
    with pytest.raises(ValueError, match="validation_mask"):
        pipe.fit(X[:90], y[:90], saflexclassifier__validation_data=(X[90:], y[90:]))
    mask = np.arange(len(y)) >= 90
    pipe.fit(X, y, saflexclassifier__validation_mask=mask)
    clf = pipe[-1]
    val = clf.net_.step.validation
    assert len(val) == 30 and float(val.X.abs().max()) < 10  # scaled by the pipeline
    assert clf.net_.step.validation.y.tolist() == list(y[90:])
    # outside a pipeline, validation_data is the user's own business
    SAflexClassifier(max_epochs=1).fit(X[:90], y[:90], validation_data=(X[90:], y[90:]))
    with pytest.raises(ValueError, match="one value per row"):
        SAflexClassifier(max_epochs=1).fit(X, y, validation_mask=mask[:10])


def test_saflex_passes_its_parameters_to_its_step(small_blobs):
    X, y = small_blobs
    w = np.random.RandomState(0).uniform(0.5, 2.0, len(y))
    clf = SAflexClassifier(beta=1.25, temperature=0.5, validation_interval=3, batch_size=50,
                           hidden_layer_sizes=(8,), max_epochs=1, random_state=0)
    step = clf.fit(X, y, sample_weight=w).net_.step
    assert (step.beta, step.temperature, step.validation_interval) == (1.25, 0.5, 3)
    assert step.validation_batch_size == 50 and step.n_classes == 3
    held = step.validation
    assert held.sample_weight is not None and len(held) == 12  # validation rows keep weights
    assert float(held.sample_weight.min()) > 0


def test_saflex_fits_a_copy_of_an_augmenter_on_the_training_rows(small_blobs):
    X, y = small_blobs

    class Centred:  # a user augmenter with fit, not a scikit-learn estimator
        def fit(self, X, y):
            self.seen_ = (len(X), sorted(set(y.tolist())))
            self.mean_ = X.mean(0)
            return self

        def __call__(self, X, Y, generator):
            return X - self.mean_, Y

    aug = Centred()
    clf = SAflexClassifier(aug, hidden_layer_sizes=(8,), max_epochs=1, random_state=0).fit(X, y)
    assert not hasattr(aug, "seen_")  # the user's object is untouched
    assert clf.augmenter_.seen_ == (108, [0, 1, 2])  # 120 rows less the validation share


def test_validation_mask_is_routed_as_metadata(small_blobs):
    import sklearn

    X, y = small_blobs
    mask = np.arange(len(y)) >= 90
    with sklearn.config_context(enable_metadata_routing=True):
        clf = SAflexClassifier(max_epochs=1, random_state=0).set_fit_request(
            validation_mask=True, sample_weight=False, validation_data=False)
        pipe = make_pipeline(StandardScaler(), clf).fit(X * 1000, y, validation_mask=mask)
    assert len(pipe[-1].net_.step.validation) == 30


@pytest.mark.parametrize("bad, match", [
    (np.ones(120, dtype=bool), "not all of them"),
    (np.zeros(120, dtype=bool), "must mark some rows"),
])
def test_validation_mask_must_split_the_rows(bad, match, small_blobs):
    X, y = small_blobs
    with pytest.raises(ValueError, match=match):
        SAflexClassifier(max_epochs=1).fit(X, y, validation_mask=bad)


def test_validation_data_must_be_a_pair(small_blobs):
    X, y = small_blobs
    with pytest.raises(ValueError, match="must be a pair"):
        SAflexClassifier(max_epochs=1).fit(X, y, validation_data=np.zeros((2, 4)))


def test_saflex_survives_warnings_as_errors(problem, monkeypatch):
    # some torch releases warn (DeprecationWarning) inside forward-mode AD's first use
    import torch.autograd.forward_ad as fwAD

    real = fwAD.make_dual

    def noisy(*args, **kwargs):
        warnings.warn("`torch.jit.script` is deprecated", DeprecationWarning)
        warnings.warn("`torch.jit.script` is deprecated", FutureWarning)
        return real(*args, **kwargs)

    monkeypatch.setattr(fwAD, "make_dual", noisy)
    X, y = problem
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = SAflexClassifier(max_epochs=1, hidden_layer_sizes=(8,), random_state=0).fit(X, y)
    assert clf.n_iter_ == 1 and 0 < clf.kept_fraction_ <= 1  # SAflex ran: rows were weighed

