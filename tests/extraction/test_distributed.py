"""skaug.extraction._distributed: a folder's features computed on a Dask cluster."""

import numpy as np

from skaug import DeepFeatureExtractor
from skaug.extraction import transform_on_cluster
from tests.extraction.test_folders import _folder


def test_features_on_two_workers_equal_one_process_in_order(tmp_path, dask_client):
    root = _folder(tmp_path / "photos", classes=("a", "b", "c"), n=4)
    paths = sorted(str(p) for p in root.rglob("*.png"))
    extractor = DeepFeatureExtractor("resnet20-cifar", weights=None, device="cpu").fit()
    local = extractor.transform(paths)
    remote = transform_on_cluster(extractor, paths, dask_client)
    np.testing.assert_allclose(remote, local, rtol=1e-5, atol=1e-6)
    # each worker got a piece: both workers loaded the backbone once, and only once
    loaded = dask_client.run(lambda: len(__import__(
        "skaug.extraction._loading", fromlist=["x"])._MODEL_CACHE))
    assert sorted(loaded.values()) == [1, 1]
    np.testing.assert_allclose(transform_on_cluster(extractor, paths, dask_client, chunks=5),
                               local, rtol=1e-5, atol=1e-6)
    assert sorted(dask_client.run(lambda: len(__import__(
        "skaug.extraction._loading", fromlist=["x"])._MODEL_CACHE)).values()) == [1, 1]
