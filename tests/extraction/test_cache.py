"""skaug.extraction._cache: features kept on disk, never stale."""

import numpy as np
import pytest
import torch

from skaug import DeepFeatureExtractor
from skaug.extraction import cached_transform
from skaug.extraction.backbones.cifar_resnet import cifar_resnet
from tests.extraction.test_folders import _folder


@pytest.fixture
def extractor():
    return DeepFeatureExtractor("resnet20-cifar", weights=None, device="cpu").fit()


def test_a_second_run_reads_the_cache_and_a_changed_file_is_extracted_again(tmp_path,
                                                                             extractor,
                                                                             monkeypatch):
    root = _folder(tmp_path / "photos")
    paths = sorted(str(p) for p in root.rglob("*.png"))
    cache = tmp_path / "cache"
    first, hit = cached_transform(extractor, paths, cache)
    assert not hit and len(list(cache.glob("*.npy"))) == 1
    np.testing.assert_array_equal(first, extractor.transform(paths))
    calls = []
    monkeypatch.setattr(type(extractor), "transform",
                        lambda self, X: calls.append(len(X)) or np.zeros((len(X), 64)))
    again, hit = cached_transform(extractor, paths, cache)
    assert hit and calls == [] and np.array_equal(again, first)
    # a file's contents change (same name, same size): its features are not served stale
    from PIL import Image

    Image.fromarray(np.full((8, 8, 3), 255, np.uint8)).save(paths[0])
    _, hit = cached_transform(extractor, paths, cache)
    assert not hit and calls == [len(paths)]


def test_the_key_holds_the_extractor_and_its_weights(tmp_path, extractor):
    texts_or_paths = [str(p) for p in sorted(_folder(tmp_path / "p").rglob("*.png"))]
    cache = tmp_path / "cache"
    cached_transform(extractor, texts_or_paths, cache)
    other = DeepFeatureExtractor("resnet20-cifar", weights=None, normalize=False,
                                 device="cpu").fit()
    assert not cached_transform(other, texts_or_paths, cache)[1]
    # weights from a file: a different file is a different extractor
    a, b = tmp_path / "a.th", tmp_path / "b.th"
    torch.manual_seed(0)
    torch.save(cifar_resnet(20).state_dict(), a)
    torch.save(cifar_resnet(20).state_dict(), b)
    with_a = DeepFeatureExtractor("resnet20-cifar", weights=str(a), device="cpu").fit()
    cached_transform(with_a, texts_or_paths, cache)
    torch.save(cifar_resnet(20).state_dict(), a)  # the same path, new weights
    with_a = DeepFeatureExtractor("resnet20-cifar", weights=str(a), device="cpu").fit()
    assert not cached_transform(with_a, texts_or_paths, cache)[1]
