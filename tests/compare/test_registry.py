"""skaug.compare._registry: the one table of models, and the sampler pipelines."""

import numpy as np
import pytest

from skaug import IADAClassifier
from skaug.compare import (
    BASELINES,
    DEFAULT_METHODS,
    MODELS,
    SAMPLER_FAMILIES,
    model_for,
    sampler_model,
    select_models,
    tuned_search,
)


def test_select_models_adds_the_baselines_each_method_needs():
    assert list(select_models("sea,sea,cutmix")) == ["lr", "hgb", "linear", "mlp", "sea",
                                                     "cutmix"]
    assert list(select_models(["saflex"])) == ["lr", "hgb", "mlp", "saflex"]
    assert list(select_models("all")) == list(BASELINES) + [m for m in MODELS
                                                            if m not in BASELINES]
    assert list(select_models([])) == ["lr", "hgb"]
    assert list(select_models(["sea"], baselines=())) == ["linear", "sea"]
    with pytest.raises(ValueError, match="unknown method.*bogus"):
        select_models("sea,bogus")


def test_the_table_is_the_one_source_of_roles_defaults_and_plain_heads():
    assert DEFAULT_METHODS == ("sea", "saflex", "idaa")
    assert BASELINES == ("lr", "hgb", "linear", "mlp")
    assert {n for n, m in MODELS.items() if m.always} == {"lr", "hgb"}
    plain = {n: m.plain for n, m in MODELS.items() if m.role == "method"}
    assert plain == {"sea": "linear", "iada": "linear", "meta-iada": "linear", "cutmix": "mlp",
                     "saflex": "mlp", "saflex-paper": "mlp", "idaa": "mlp"}
    # the torch heads stop early under the protocol; the scikit-learn models do not
    assert {n for n, m in MODELS.items() if m.stops_early} == set(MODELS) - {"lr", "hgb"}


def test_every_grid_has_the_same_budget_and_includes_switching_off():
    assert {len(next(iter(m.grid.values()))) for m in MODELS.values()} == {3}
    assert all(len(m.grid) == 1 for m in MODELS.values())
    off = {"sea": ("eta", 0.0), "iada": ("epsilon", 0.0), "meta-iada": ("epsilon", 0.0),
           "cutmix": ("augmenter__p", 0.0), "saflex": ("augmenter__p", 0.0),
           "saflex-paper": ("augmenter__p", 0.0), "idaa": ("epsilon", 0.0)}
    for name, (key, value) in off.items():
        assert value in MODELS[name].grid[key], name
        assert MODELS[name].role == "method"
    for name in BASELINES:
        assert MODELS[name].role == "baseline"


def test_each_row_makes_the_estimator_it_names():
    made = {name: model.make(3, 7) for name, model in MODELS.items()}
    assert type(made["lr"]).__name__ == "LogisticRegression"
    assert type(made["hgb"]).__name__ == "HistGradientBoostingClassifier"
    assert made["hgb"].random_state == 3
    for name in set(MODELS) - {"lr", "hgb"}:
        params = made[name].get_params()
        assert params["max_epochs"] == 7 and params["random_state"] == 3, name
    assert made["iada"].perturbation == "class" and made["meta-iada"].perturbation == "meta"
    assert made["cutmix"].refine is False and made["saflex"].refine is True
    assert type(made["saflex"].augmenter).__name__ == "CutMix"
    assert made["linear"].head == "linear" and made["linear"].augmented_weight == 0.0
    assert made["mlp"].head == "mlp" and made["mlp"].augmented_weight == 0.0


def test_saflex_paper_row_is_the_papers_setting():
    clf = MODELS["saflex-paper"].make(0, 5)
    params = clf.get_params()
    assert (params["rescale"], params["beta"], params["temperature"],
            params["validation_interval"]) == (False, 1.0, 0.01, 1)
    assert list(select_models("saflex-paper")) == ["lr", "hgb", "mlp", "saflex-paper"]


def test_the_plain_linear_head_of_compare_is_iada_switched_off(small_blobs):
    """compare's "linear" baseline is IADAClassifier at epsilon=0, lambda0=0, minus its statistics."""
    X, y = small_blobs
    plain = MODELS["linear"].make(0, 8).fit(X, y)  # early_stopping=False: the default
    iada = IADAClassifier(perturbation="constant", epsilon=0.0, lambda0=0.0, max_epochs=8,
                          random_state=0).fit(X, y)
    np.testing.assert_allclose(plain.predict_proba(X), iada.predict_proba(X), rtol=1e-5,
                               atol=1e-6)


def test_sampler_pipelines_and_families():
    pytest.importorskip("imblearn")
    from imblearn.over_sampling import ADASYN, SMOTE
    from sklearn.datasets import make_classification
    from sklearn.exceptions import FitFailedWarning

    assert list(select_models("saflex-sampler+hgb,skaug-samplers+lr,imblearn-samplers+hgb")) == [
        "lr", "hgb", "saflex-sampler+hgb", "skaug-samplers+lr", "imblearn-samplers+hgb"]
    with pytest.raises(ValueError, match="<sampler>\\+lr"):
        select_models("smote+svm")
    assert sampler_model("saflex-sampler+hgb").label == "SAflexSampler → HistGradientBoosting"
    assert model_for("smote+lr").role == "baseline" and model_for("noise-sampler+lr").role == \
        "method"
    skaug_family = sampler_model("skaug-samplers+lr")
    assert skaug_family.role == "method"
    assert [type(s).__name__ for s in skaug_family.grid["sampler"]] == [
        "CutMixSampler", "MixupSampler", "NoiseSampler", "ISDASampler", "SeASampler",
        "IDAASampler", "SAflexSampler"]
    imblearn_family = sampler_model("imblearn-samplers+hgb")
    assert imblearn_family.role == "baseline"
    assert len(imblearn_family.grid["sampler"]) == 7 == len(SAMPLER_FAMILIES["skaug-samplers"][2])
    # the candidates carry compare's seed; the model's own grid is searched jointly
    X, y = make_classification(120, n_features=4, n_informative=3, n_redundant=0,
                               weights=[0.85], random_state=0)
    search = tuned_search(imblearn_family, "passthrough", X, y, inner_cv=2,
                          metric="balanced_accuracy", class_weight=None, epochs=1, seed=7)
    samplers = search.param_grid["model__sampler"]
    assert {s.random_state for s in samplers} == {7}
    assert search.param_grid["model__model__learning_rate"] == [0.03, 0.1, 0.3]
    # a sampler that refuses the data (ADASYN: no neighbour of another class) is skipped
    X_sep = np.vstack([np.zeros((40, 2)), 10 + np.random.RandomState(0).rand(20, 2)])
    y_sep = np.array([0] * 40 + [1] * 20)
    with pytest.raises((RuntimeError, ValueError)):
        ADASYN(random_state=0).fit_resample(X_sep, y_sep)
    search = tuned_search(imblearn_family, "passthrough", X_sep, y_sep, inner_cv=2,
                          metric="balanced_accuracy", class_weight=None, epochs=1, seed=0)
    search.param_grid = {"model__sampler": [ADASYN(random_state=0), SMOTE(random_state=0)]}
    with pytest.warns(FitFailedWarning, match="ADASYN is not suited"), \
            pytest.warns(UserWarning, match="non-finite"):
        search.fit(X_sep, y_sep)
    assert isinstance(search.best_params_["model__sampler"], SMOTE)
    # a single sampler stays strict: its failure is the user's answer
    assert sampler_model("adasyn+lr").error_score == "raise"


def test_compare_models_keep_the_settings_the_protocol_tables_were_made_with():
    """compare's IADA and IDAA models write out what the estimators' defaults no longer are."""
    from skaug.compare import MODELS

    for name in ("iada", "meta-iada"):
        assert MODELS[name].make(0, 1).get_params()["lambda0"] == 0.1, name
    assert MODELS["idaa"].make(0, 1).get_params()["augmented_weight"] == 1.0
