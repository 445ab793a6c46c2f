"""Fits recorded before the code moved give the same numbers now (``dev/record_reference.py``).

Every fit is written with its parameters in full, on fixed synthetic data; the
predictions (and the samplers' rows) must be bit-identical to the recorded ones
wherever torch and numpy are the versions they were recorded with, and equal to
float precision elsewhere. And every skops file saved by the previous layout
still loads through :func:`skaug.persistence.load` and predicts as recorded.
"""

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

DATA = Path(__file__).resolve().parent / "data"
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dev"))
import record_reference  # noqa: E402

META = json.loads((DATA / "reference_fits.json").read_text())
SAME_VERSIONS = META["torch"] == torch.__version__ and META["numpy"] == np.__version__


@pytest.fixture(scope="module")
def reference():
    return np.load(DATA / "reference_fits.npz")


def _same(got, want):
    if SAME_VERSIONS:
        np.testing.assert_array_equal(got, want)
    else:  # another torch or numpy may round differently
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", list(record_reference.FITS))
def test_classifier_fits_are_as_recorded(name, reference):
    X, y = record_reference.data()
    _same(record_reference.FITS[name]().fit(X, y).predict_proba(X), reference[name])


@pytest.mark.parametrize("name", ["cutmix_sampler", "mixup_sampler", "noise_sampler",
                                  "isda_sampler", "sea_sampler", "idaa_sampler",
                                  "saflex_sampler"])
def test_sampler_rows_are_as_recorded(name, reference):
    pytest.importorskip("imblearn")
    X, y = record_reference.data()
    X_res, y_res = record_reference.samplers()[name].fit_resample(X, y)
    _same(np.asarray(X_res, dtype=np.float64), reference[name])
    np.testing.assert_array_equal(y_res, reference[f"{name}_y"])


@pytest.mark.parametrize("file", sorted(p.name for p in (DATA / "legacy").glob("*.skops")))
def test_files_saved_by_the_previous_layout_still_load(file, reference):
    """Their type names are the old import paths (e.g. ``skaug.samplers.CutMixSampler``,
    ``skaug.extraction.DeepFeatureExtractor``): aliases keep them loading, trusted."""
    if "sampler" in file or "smote" in file:
        pytest.importorskip("imblearn")
    from skaug.persistence import load

    model = load(DATA / "legacy" / file)
    X, y = record_reference.data()
    name = file.removesuffix(".skops")
    if name in record_reference.FITS:
        _same(model.predict_proba(X), reference[name])
    elif name.endswith("_sampler"):
        assert type(model).__name__.lower().startswith(name.split("_")[0])
    elif name == "extractor":
        assert model.n_features_out_ == 64
    else:  # a pipeline: preprocessing (or a sampler) and a classifier, fitted on (X, y)
        assert model.score(X, y) > 0.5
