"""The command line and the built-in datasets."""

import io

import numpy as np
import pytest

from skaug.cli import compare, main
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


def test_compare_prints_a_table_with_baselines():
    out = io.StringIO()
    rows = compare("qsar_biodeg", cv=2, epochs=3, out=out)
    text = out.getvalue()
    assert "LogisticRegression" in text and "no augmentation" in text and "SeA" in text
    assert len(rows) == 4
    for _, acc, std, bacc, bstd, seconds in rows:
        assert 0 <= acc <= 100 and std >= 0 and 0 <= bacc <= 100 and seconds > 0


def test_main_refuses_bad_arguments(capsys):
    with pytest.raises(SystemExit):
        main(["compare", "--cv", "1"])
    assert "--cv must be at least 2" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["compare", "--dataset", "nope"])
