"""skaug.datasets: the built-in data."""

import numpy as np
import pytest

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

