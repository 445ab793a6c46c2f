"""``skaug compare``: CSV reading, the comparison, its outputs and its errors."""

import csv

import numpy as np
import pytest

from skaug.cli import main
from skaug.compare import (
    BASELINES,
    MODELS,
    Model,
    check_target,
    compare,
    corrected_ttest,
    default_metric,
    format_table,
    load_csv,
    make_preprocessor,
    parse_methods,
    verdict,
    write_rows,
)
from skaug.datasets import BUILTIN_DATASETS, load_builtin


@pytest.mark.parametrize("name", sorted(BUILTIN_DATASETS))
def test_builtin_datasets_load(name):
    X, y = load_builtin(name)
    assert X.ndim == 2 and len(X) == len(y) and np.isfinite(X).all()
    assert len(np.unique(y)) == 2


def test_builtin_deep_features_are_unit_rows():
    X, _ = load_builtin("sms_minilm")
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0, atol=2e-3)


def test_unknown_builtin_dataset():
    with pytest.raises(ValueError, match="choose one of"):
        load_builtin("nope")


@pytest.fixture
def small_csv(tmp_path):
    """60 rows; semicolons; a numeric, a categorical, an id and a name column; gaps."""
    rng = np.random.RandomState(0)
    path = tmp_path / "people.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["id", "name", "age", "city", "income", "label"])
        for i in range(60):
            label = "yes" if i % 2 else "no"
            age = "" if i == 5 else f"{20 + rng.randint(40) + 10 * (i % 2)}"
            city = "?" if i == 7 else ["Oslo", "Lima", "Pune"][i % 3]
            w.writerow([1000 + i, f"person{i}", age, city, f"{rng.rand() * 1e5:.2f}", label])
    return path


def test_load_csv_detects_kinds_missing_values_and_identifiers(small_csv):
    X, y, kinds, names, notes = load_csv(small_csv, "label")
    assert names == ["age", "city", "income"]
    assert kinds == ["numeric", "categorical", "numeric"]
    assert X.shape == (60, 3) and sorted(set(y)) == ["no", "yes"]
    assert np.isnan(X.iloc[5, 0]) and X.iloc[7, 1] == "missing"
    assert any("'id'" in n for n in notes) and any("'name'" in n for n in notes)
    Z = make_preprocessor(kinds).fit_transform(X)
    assert Z.shape == (60, 2 + 4) and np.isfinite(Z).all()  # 3 cities + "missing"
    np.testing.assert_allclose(Z[:, :2].mean(0), 0, atol=1e-12)
    X2, *_ = load_csv(small_csv, "label", drop=["city"])
    assert X2.shape == (60, 2)


def test_load_csv_errors_say_what_to_do(small_csv, tmp_path):
    with pytest.raises(ValueError, match="no column 'target'.*age, city"):
        load_csv(small_csv, "target")
    other = tmp_path / "table.xlsx"
    other.write_bytes(b"PK\x03\x04")
    with pytest.raises(ValueError, match="not a CSV file"):
        load_csv(other, "label")
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_csv(tmp_path / "absent.csv", "label")
    with pytest.raises(ValueError, match="cannot drop nope"):
        load_csv(small_csv, "label", drop=["nope"])
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b,label\n1,2,x\n3,y\n")
    with pytest.raises(ValueError, match="line 3: 2 fields"):
        load_csv(ragged, "label")


def test_targets_cross_validation_cannot_use_are_refused():
    with pytest.raises(ValueError, match="only one class"):
        check_target(np.array(["a"] * 10), 3)
    with pytest.raises(ValueError, match="'b' has 2 rows, fewer than the 3 folds.*use --cv 2"):
        check_target(np.array(["a"] * 10 + ["b"] * 2), 3)
    with pytest.raises(ValueError, match="'b' has 1 rows.*drop the class or add rows"):
        check_target(np.array(["a"] * 10 + ["b"]), 2)  # no "--cv 2" when it is already 2
    with pytest.raises(ValueError, match="keeps 2 of them, fewer than the 3 inner folds"):
        check_target(np.array(["a"] * 10 + ["b"] * 3), 3, inner_cv=3)


def test_parse_methods_adds_the_baselines_each_method_needs():
    assert parse_methods("sea,sea,cutmix") == ["lr", "hgb", "linear", "mlp", "sea", "cutmix"]
    assert parse_methods("saflex") == ["lr", "hgb", "mlp", "saflex"]
    assert parse_methods("all") == list(BASELINES) + [m for m in MODELS if m not in BASELINES]
    with pytest.raises(ValueError, match="unknown method.*bogus"):
        parse_methods("sea,bogus")


def test_every_grid_has_the_same_budget_and_includes_switching_off():
    from skaug.compare import models

    registry = models()
    assert {len(next(iter(m.grid.values()))) for m in registry.values()} == {3}
    assert all(len(m.grid) == 1 for m in registry.values())
    off = {"sea": ("eta", 0.0), "iada": ("epsilon", 0.0), "meta-iada": ("epsilon", 0.0),
           "cutmix": ("augmenter__p", 0.0), "saflex": ("augmenter__p", 0.0),
           "saflex-paper": ("augmenter__p", 0.0),
           "idaa": ("epsilon", 0.0)}
    for name, (key, value) in off.items():
        assert value in registry[name].grid[key], name
        assert registry[name].role == "method"
    for name in BASELINES:
        assert registry[name].role == "baseline"


def test_compare_tunes_every_model_and_reports_the_choices():
    X, y = load_builtin("qsar_biodeg")
    rows = compare(X[:400], y[:400], ["sea"], cv=2, epochs=2, progress=False)
    assert [r["method"] for r in rows] == ["lr", "hgb", "linear", "sea"]
    for r in rows:
        assert 0 <= r["accuracy"] <= 100 and r["accuracy_std"] >= 0
        assert 0 <= r["balanced_accuracy"] <= 100 and r["fit_seconds"] > 0
        assert len(r["scores"]) == 2 and "×" in r["tuned"]
        assert "class_weight=" in r["tuned"]  # tuned for every model that has it
    assert "eta=" in rows[-1]["tuned"] and "C=" in rows[0]["tuned"]
    assert rows[0]["accuracy"] > 80  # LogisticRegression on standardised QSAR descriptors
    text = format_table(rows)
    assert "LogisticRegression" in text and "±" in text and len(text.splitlines()) == 5


def test_nothing_is_chosen_on_test_rows(monkeypatch):
    """A recording model: no fit of any model, inner or outer, ever sees an outer test row."""
    from sklearn.base import BaseEstimator, ClassifierMixin
    from sklearn.model_selection import RepeatedStratifiedKFold

    import skaug.compare as cmp

    seen = []

    class Recorder(ClassifierMixin, BaseEstimator):
        def __init__(self, c=0):
            self.c = c

        def fit(self, X, y):
            seen.append(set(np.round(X[:, 0] * 1e6).astype(int)))  # row ids (scaled back)
            self.classes_ = np.unique(y)
            return self

        def predict(self, X):
            return np.full(len(X), self.classes_[self.c % len(self.classes_)])

    monkeypatch.setattr(cmp, "models", lambda early_stopping=True: {
        "lr": Model("recorder", "baseline", lambda rs, ep: Recorder(), {"c": [0, 1, 2]}),
        "hgb": Model("recorder 2", "baseline", lambda rs, ep: Recorder(), {"c": [0, 1, 2]}),
    })
    rng = np.random.RandomState(0)
    y = np.array([0, 1] * 30)
    X = np.column_stack([np.arange(60) / 1e6, rng.randn(60)])
    cmp.compare(X, y, [], cv=3, repeats=2, preprocessor="passthrough", progress=False)
    folds = list(RepeatedStratifiedKFold(n_splits=3, n_repeats=2, random_state=0)
                 .split(X, y))
    tests = [set(te) for _, te in folds]
    assert len(seen) == 2 * 6 * (3 * 2 + 1)  # 2 models × 6 folds × (3 settings × 2 inner + refit)
    for rows in seen:
        assert any(not (rows & t) for t in tests)  # each fit lies inside one outer training fold
        assert all(rows & t for t in tests if rows & t)


def test_corrected_resampled_t_test_by_hand():
    from scipy import stats

    mean, std, p = corrected_ttest([1.0, 2.0, 3.0], n_train=200, n_test=100)
    t = 2.0 / np.sqrt((1 / 3 + 100 / 200) * 1.0)
    assert (mean, std) == (2.0, 1.0) and p == pytest.approx(2 * stats.t.sf(t, 2))
    # the correction makes the test more careful than the naive paired t-test
    naive = stats.ttest_1samp([1.0, 2.0, 3.0], 0).pvalue
    assert p > naive
    assert corrected_ttest([0.0, 0.0], 10, 5) == (0.0, 0.0, 1.0)


def _rows(base, method):
    common = dict(accuracy=0, accuracy_std=0, balanced_accuracy=0, balanced_accuracy_std=0,
                  fit_seconds=0, n_train=800.0, n_test=200.0)
    return [
        dict(method="lr", model="LogisticRegression", role="baseline", scores=base, **common),
        dict(method="hgb", model="HistGradientBoosting", role="baseline",
             scores=[s - 5 for s in base], **common),
        dict(method="sea", model="SeA", role="method", scores=method, **common),
    ]


def test_verdict_names_a_reliable_winner_and_says_so_when_there_is_none():
    base = [80.0, 82.0, 81.0, 79.0, 80.0, 81.0, 82.0, 80.0, 79.0, 81.0]
    better = [b + 3 + 0.2 * (i % 3) for i, b in enumerate(base)]
    sentence, tests = verdict(_rows(base, better), "balanced_accuracy")
    assert sentence.startswith("SeA beats LogisticRegression on balanced accuracy: +3.2")
    assert tests[0]["p"] < 0.01
    same = [b + (0.5 if i % 2 else -0.5) for i, b in enumerate(base)]
    sentence, tests = verdict(_rows(base, same), "accuracy")
    assert sentence.startswith("No method beats LogisticRegression reliably on this data")
    assert "10 folds" in sentence and tests[0]["p"] > 0.5


def test_default_metric_is_balanced_accuracy_for_imbalanced_targets():
    assert default_metric([0] * 81 + [1] * 19) == "balanced_accuracy"
    assert default_metric([0] * 80 + [1] * 20) == "accuracy"


def test_compare_takes_a_dataframe_by_rows():
    pd = pytest.importorskip("pandas")
    X, y = load_builtin("qsar_biodeg")
    rows = np.random.RandomState(0).choice(len(y), 200, replace=False)
    X, y = X[rows], y[rows]
    frame = pd.DataFrame(X, columns=[f"d{i}" for i in range(X.shape[1])])
    a = compare(X, y, [], cv=2, progress=False)
    b = compare(frame, y, [], cv=2, progress=False)
    assert [r["scores"] for r in a] == [r["scores"] for r in b]


def test_compare_is_reproducible():
    X, y = load_builtin("qsar_biodeg")
    a = compare(X[:300], y[:300], ["cutmix"], cv=2, epochs=2, progress=False)
    b = compare(X[:300], y[:300], ["cutmix"], cv=2, epochs=2, progress=False, n_jobs=2)
    assert [r["scores"] for r in a] == [r["scores"] for r in b]


def test_command_line_on_a_csv_writes_table_plot_and_verdict(small_csv, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    md, table, png = tmp_path / "r.md", tmp_path / "r.csv", tmp_path / "r.png"
    assert main([
        "compare", str(small_csv), "--target", "label", "--methods", "idaa", "--cv", "2",
        "--epochs", "2", "--output", str(md), "--plot", str(png), "--quiet", "--n-jobs", "1",
    ]) == 0
    out = capsys.readouterr().out
    assert "2 numeric and 1 categorical" in out and "note: dropped 'id'" in out
    assert "IDAA" in out and "MLP head" in out and "LogisticRegression" in out
    assert "verdict: " in out and "tuned by 2-fold inner cross-validation on accuracy" in out
    assert md.read_text().startswith("| model |")
    assert png.read_bytes()[:4] == b"\x89PNG"
    main(["compare", str(small_csv), "--target", "label", "--methods", "lr", "--cv", "2",
          "--epochs", "1", "--output", str(table), "--quiet", "--class-weight", "balanced",
          "--metric", "balanced_accuracy"])
    out = capsys.readouterr().out
    rows = list(csv.DictReader(open(table)))
    assert [r["method"] for r in rows] == ["lr", "hgb"]
    assert "class_weight" not in rows[0]["tuned"]  # fixed, not tuned
    assert "balanced accuracy" in out


def test_warnings_reach_the_user_once(small_csv, capsys):
    main(["compare", str(small_csv), "--target", "label", "--methods", "sea", "--cv", "2",
          "--epochs", "1", "--quiet", "--n-jobs", "1"])
    out = capsys.readouterr().out
    lines = [ln for ln in out.splitlines() if ln.startswith("warning (")]
    assert any("SeAClassifier with two classes and eta=0.4" in ln for ln in lines)
    assert len(lines) == len(set(lines))


@pytest.mark.parametrize("argv, message", [
    (["compare", "--cv", "1"], "--cv and --inner-cv must be at least 2"),
    (["compare", "--inner-cv", "1"], "--cv and --inner-cv must be at least 2"),
    (["compare", "--methods", "bogus"], "unknown method"),
    (["compare", "--output", "x.json"], "must end in .csv or .md"),
    (["compare", "--plot", "x.jpg"], "must end in .png"),
    (["compare", "missing.csv", "--target", "y"], "no such file"),
])
def test_command_line_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_command_line_needs_a_target_for_a_csv(small_csv, capsys):
    with pytest.raises(SystemExit):
        main(["compare", str(small_csv)])
    assert "needs --target" in capsys.readouterr().err


def test_one_class_csv_is_refused(tmp_path, capsys):
    path = tmp_path / "one.csv"
    path.write_text("a,label\n" + "".join(f"{i % 3},x\n" for i in range(10)))
    with pytest.raises(SystemExit):
        main(["compare", str(path), "--target", "label", "--quiet"])
    assert "only one class" in capsys.readouterr().err


def test_write_rows_refuses_other_formats(tmp_path):
    with pytest.raises(ValueError, match=".csv or .md"):
        write_rows([{"a": 1}], tmp_path / "x.json")


def test_real_churn_csv_is_read_like_a_user_expects(data_dir):
    path = data_dir / "tabular" / "churn_modelling.csv"
    if not path.exists():
        pytest.skip(f"{path.name} not in the data folder")
    X, y, kinds, names, notes = load_csv(path, "Exited")
    assert set(np.unique(y)) == {"0", "1"} and len(y) == 10000
    assert dict(zip(names, kinds))["Geography"] == "categorical"
    assert dict(zip(names, kinds))["Balance"] == "numeric"
    assert not {"RowNumber", "CustomerId", "Surname"} & set(names)
    Z = make_preprocessor(kinds).fit_transform(X)
    assert Z.shape[0] == 10000 and np.isfinite(Z).all()


def test_main_module_runs(capsys):
    import runpy
    import sys

    argv = sys.argv
    sys.argv = ["skaug", "compare", "--cv", "1"]
    try:
        with pytest.raises(SystemExit):
            runpy.run_module("skaug", run_name="__main__")
    finally:
        sys.argv = argv
    assert "must be at least 2" in capsys.readouterr().err


def test_unit_length_rows_are_used_as_they_are(capsys, monkeypatch):
    import skaug.compare as cmp
    from skaug.compare import unit_rows

    X, _ = load_builtin("sms_minilm")
    assert unit_rows(X) and not unit_rows(2 * X) and not unit_rows(np.array([["a"]]))
    seen = {}
    real = cmp.compare

    def spy(X, y, methods, **kw):
        seen["preprocessor"] = kw["preprocessor"]
        return real(X[:200], y[:200], methods, **{**kw, "epochs": 1})

    monkeypatch.setattr(cmp, "compare", spy)
    main(["compare", "--dataset", "sms_minilm", "--methods", "lr", "--cv", "2", "--quiet",
          "--n-jobs", "1"])
    assert seen["preprocessor"] == "passthrough"
    assert "used as they are" in capsys.readouterr().out


def test_saflex_paper_row_is_the_papers_setting():
    from skaug.compare import models

    clf = models()["saflex-paper"].make(0, 5)
    params = clf.get_params()
    assert (params["rescale"], params["beta"], params["temperature"],
            params["validation_interval"]) == (False, 1.0, 0.01, 1)
    assert parse_methods("saflex-paper") == ["lr", "hgb", "mlp", "saflex-paper"]


def test_worst_group_accuracy_and_groups_never_used_for_fitting():
    from skaug.compare import worst_group_accuracy

    y_true = np.array([0, 0, 1, 1, 1, 1])
    y_pred = np.array([0, 1, 1, 1, 1, 0])
    groups = np.array(["a", "a", "b", "b", "c", "c"])
    assert worst_group_accuracy(y_true, y_pred, groups) == 50.0
    X, y = load_builtin("qsar_biodeg")
    g = np.arange(len(y)) % 3
    with_groups = compare(X, y, [], cv=2, progress=False, baselines=("lr",), groups=g)
    without = compare(X, y, [], cv=2, progress=False, baselines=("lr",))
    assert with_groups[0]["scores"] == without[0]["scores"]
    assert 0 <= with_groups[0]["worst_group_accuracy"] <= with_groups[0]["accuracy"]


def test_extra_models_run_under_the_same_protocol():
    from sklearn.dummy import DummyClassifier

    extra = {"dummy": Model("most frequent", "baseline",
                            lambda rs, ep: DummyClassifier(),
                            {"strategy": ["most_frequent", "prior", "uniform"]})}
    X, y = load_builtin("qsar_biodeg")
    rows = compare(X, y, ["dummy"], cv=2, progress=False, baselines=("lr",),
                   extra_models=extra)
    assert [r["method"] for r in rows] == ["lr", "dummy"]
    assert "strategy=" in rows[1]["tuned"]
