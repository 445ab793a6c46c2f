"""``skaug compare``: CSV reading, the comparison, its outputs and its errors."""

import csv

import numpy as np
import pytest

from skaug.cli import main
from skaug.compare import (
    METHODS,
    check_target,
    compare,
    format_table,
    load_csv,
    make_preprocessor,
    parse_methods,
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
    assert np.isnan(X[5, 0]) and X[7, 1] == "missing"
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
    with pytest.raises(ValueError, match="'b' has 2 rows, fewer than the 3 folds.*--cv 2"):
        check_target(np.array(["a"] * 10 + ["b"] * 2), 3)


def test_parse_methods_puts_baselines_first_once():
    assert parse_methods("sea,none,sea,cutmix") == ["none", "lr", "sea", "cutmix"]
    assert parse_methods("all") == ["none", "lr"] + [m for m in METHODS if m not in ("none", "lr")]
    with pytest.raises(ValueError, match="unknown method.*bogus"):
        parse_methods("sea,bogus")


def test_compare_on_builtin_data_returns_rows_with_baselines():
    X, y = load_builtin("qsar_biodeg")
    rows = compare(X, y, ["sea", "cutmix"], cv=2, epochs=2, progress=False)
    assert [r["method"] for r in rows] == ["none", "lr", "sea", "cutmix"]
    for r in rows:
        assert 0 <= r["accuracy"] <= 100 and r["accuracy_std"] >= 0
        assert 0 <= r["balanced_accuracy"] <= 100 and r["fit_seconds"] > 0
    lr = rows[1]
    assert lr["accuracy"] > 80  # LogisticRegression on standardised QSAR descriptors
    text = format_table(rows)
    assert "LogisticRegression" in text and "±" in text and len(text.splitlines()) == 5


def test_compare_is_reproducible():
    X, y = load_builtin("qsar_biodeg")
    a = compare(X[:300], y[:300], ["cutmix"], cv=2, epochs=2, progress=False)
    b = compare(X[:300], y[:300], ["cutmix"], cv=2, epochs=2, progress=False)
    assert [r["accuracy"] for r in a] == [r["accuracy"] for r in b]


def test_command_line_on_a_csv_writes_table_and_plot(small_csv, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    md, table, png = tmp_path / "r.md", tmp_path / "r.csv", tmp_path / "r.png"
    assert main([
        "compare", str(small_csv), "--target", "label", "--methods", "noise,idaa", "--cv", "2",
        "--epochs", "2", "--output", str(md), "--plot", str(png), "--quiet",
    ]) == 0
    out = capsys.readouterr().out
    assert "2 numeric and 1 categorical" in out and "note: dropped 'id'" in out
    assert "IDAA" in out and "Gaussian noise" in out and "LogisticRegression" in out
    assert md.read_text().startswith("| model |")
    assert png.read_bytes()[:4] == b"\x89PNG"
    main(["compare", str(small_csv), "--target", "label", "--methods", "none", "--cv", "2",
          "--epochs", "1", "--output", str(table), "--quiet"])
    rows = list(csv.DictReader(open(table)))
    assert [r["method"] for r in rows] == ["none", "lr"]


@pytest.mark.parametrize("argv, message", [
    (["compare", "--cv", "1"], "--cv must be at least 2"),
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
    assert "--cv must be at least 2" in capsys.readouterr().err
