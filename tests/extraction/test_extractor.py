"""skaug.extraction._extractor: DeepFeatureExtractor's features, caching, memory, GPU paths."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.pipeline import make_pipeline

from skaug import (
    DeepFeatureExtractor,
    SeAClassifier,
)
from skaug.extraction import IMAGENET_MEAN, IMAGENET_STD
from skaug.extraction._loading import _load_state_dict
from skaug.extraction.backbones.cifar_resnet import cifar_resnet


@pytest.fixture(scope="module")
def cifar(data_dir):
    path = data_dir / "images" / "cifar10_test.npz"
    if not path.exists():
        pytest.skip("cifar10_test.npz not in the data folder")
    d = np.load(path)
    return d["X"], d["y"]


def _module():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Dropout(0.5), torch.nn.ReLU(),
                               torch.nn.Linear(6, 2))


@pytest.fixture(scope="module")
def gpu_images():
    return np.random.RandomState(0).randint(0, 256, size=(10, 32, 32, 3), dtype=np.uint8)


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return cifar_resnet(20).eval()


def test_features_equal_a_hand_written_inference_loop(images):
    torch.manual_seed(0)
    model = cifar_resnet(20).eval()
    ext = DeepFeatureExtractor(model, batch_size=5, normalize=False, device="cpu").fit(images)
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    expected = []
    with torch.inference_mode():
        for s in range(0, len(images), 5):
            x = torch.from_numpy(images[s : s + 5]).permute(0, 3, 1, 2).float() / 255
            expected.append(model.features(x))  # a module passed in gets no normalisation
    ext_norm = DeepFeatureExtractor(model, batch_size=5, normalize=False, device="cpu",
                                    preprocess=lambda x: (x - mean) / std).fit(images)
    with torch.inference_mode():
        want_norm = torch.cat([
            model.features((torch.from_numpy(images[s : s + 5]).permute(0, 3, 1, 2).float() / 255 - mean) / std)
            for s in range(0, len(images), 5)
        ])
    np.testing.assert_array_equal(ext.transform(images), torch.cat(expected).numpy())
    np.testing.assert_array_equal(ext_norm.transform(images), want_norm.numpy())


def test_reproduces_the_stored_cifar_features(cifar, weights, data_dir):
    X, _ = cifar
    idx = np.arange(0, len(X), 97)
    stored = np.load(data_dir / "features" / "cifar10_resnet20_resnet56.npz")
    ext = DeepFeatureExtractor(["resnet20-cifar", "resnet56-cifar"],
                               weights=[weights[20], weights[56]], device="cpu").fit(X[:1])
    want = np.hstack([stored["X20"][idx], stored["X56"][idx]])
    want /= np.linalg.norm(want, axis=1, keepdims=True)
    np.testing.assert_allclose(ext.transform(X[idx]), want, atol=1e-6)


def test_checkpoint_classifies_cifar_and_its_features_probe_linearly(cifar, weights):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    X, y = cifar
    idx = np.random.RandomState(0).choice(len(X), 1500, replace=False)
    ext = DeepFeatureExtractor("resnet56-cifar", weights=weights[56], normalize=False,
                               device="cpu").fit(X[:1])
    feats = ext.transform(X[idx])
    # The checkpoint's own linear layer on the raw pooled features: 83.2 % on
    # these JPEG-degraded test images (93.4 % published on the originals).
    head = cifar_resnet(56)
    head.load_state_dict(_load_state_dict(weights[56]))
    with torch.inference_mode():
        own = head.linear(torch.from_numpy(feats)).argmax(1).numpy()
    assert np.mean(own == y[idx]) > 0.80
    probe = cross_val_score(LogisticRegression(C=10, max_iter=2000), feats, y[idx], cv=3).mean()
    assert probe > 0.80


def test_each_backbone_and_the_concatenation_are_unit_normalised(images):
    torch.manual_seed(0)
    a, b = cifar_resnet(20), cifar_resnet(32)
    raw = [DeepFeatureExtractor(m, normalize=False, device="cpu").fit(images).transform(images)
           for m in (a, b)]
    joint = DeepFeatureExtractor([a, b], device="cpu").fit(images).transform(images)
    np.testing.assert_allclose(np.linalg.norm(joint, axis=1), 1.0, rtol=1e-6)
    for block, r in zip(np.split(joint, [r.shape[1] for r in raw][:1], axis=1), raw):
        want = r / np.linalg.norm(r, axis=1, keepdims=True) / np.sqrt(2)
        np.testing.assert_allclose(block, want, rtol=1e-5, atol=1e-7)
    plain = DeepFeatureExtractor([a, b], normalize=False, device="cpu").fit(images)
    np.testing.assert_allclose(plain.transform(images), np.hstack(raw), rtol=1e-6)


def test_fit_never_mutates_a_module_passed_in():
    from torch import nn

    torch.manual_seed(0)
    module = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2)).train()
    before = {k: v.clone() for k, v in module.state_dict().items()}
    X = np.random.RandomState(0).rand(10, 4).astype(np.float32)
    ext = DeepFeatureExtractor(module, device="cpu").fit(X)
    assert ext.transform(X).shape == (10, 6)
    assert module.training  # not switched to eval
    for k, v in module.state_dict().items():
        assert torch.equal(v, before[k])
    with pytest.raises(ValueError, match="X has 3 features"):
        ext.transform(X[:, :3])


def test_custom_module_and_layer(images):
    torch.manual_seed(0)
    model = cifar_resnet(20)
    ext = DeepFeatureExtractor(model, layer="layer2", normalize=False, device="cpu").fit(images)
    out = ext.transform(images)
    assert out.shape == (12, 32 * 16 * 16) == (12, ext.n_features_out_)
    assert ext.get_feature_names_out()[0] == "cifarresnet_0"


def test_pipeline_with_sea_clone_and_light_pickles(cifar, weights):
    X, y = cifar
    idx = np.random.RandomState(1).choice(len(X), 300, replace=False)
    pipe = make_pipeline(
        DeepFeatureExtractor("resnet56-cifar", weights=weights[56], device="cpu"),
        SeAClassifier(max_epochs=20, random_state=0),
    )
    pipe.fit(X[idx[:200]], y[idx[:200]])
    assert pipe.score(X[idx[200:]], y[idx[200:]]) > 0.7
    blob = pickle.dumps(pipe)
    assert len(blob) < 200_000  # the checkpoint (3.4 MB) is not inside
    np.testing.assert_array_equal(pickle.loads(blob).predict(X[idx[200:]]), pipe.predict(X[idx[200:]]))
    assert clone(pipe).get_params()["deepfeatureextractor__weights"] == weights[56]


def test_memory_caches_extraction(images, tmp_path):
    ext = DeepFeatureExtractor("resnet20-cifar", weights=None, device="cpu", memory=str(tmp_path)).fit(images)
    first = ext.transform(images)
    assert any(tmp_path.rglob("output.pkl"))
    np.testing.assert_array_equal(ext.transform(images), first)


def test_transform_to_memmap_writes_the_same_features_in_chunks(images, tmp_path):
    ext = DeepFeatureExtractor(["resnet20-cifar", "resnet32-cifar"], weights=None, device="cpu").fit(images)
    path = tmp_path / "features.npy"
    out = ext.transform_to_memmap(images, path, chunk_size=5)  # 12 images: chunks 5, 5, 2
    assert isinstance(out, np.memmap) and out.shape == (12, 128) and out.dtype == np.float32
    np.testing.assert_allclose(np.asarray(out), ext.transform(images), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(np.load(path, mmap_mode="r"), out)
    with pytest.raises(ValueError, match="chunk_size"):
        ext.transform_to_memmap(images, path, chunk_size=0)


def test_deterministic_transform(images):
    ext = DeepFeatureExtractor("resnet32-cifar", weights=None, device="cpu").fit(images)
    np.testing.assert_array_equal(ext.transform(images), ext.transform(images))


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda ims: DeepFeatureExtractor("resnet20-cifar", weights="/nope/r.th").fit(ims),
         FileNotFoundError, "not found"),
        (lambda ims: DeepFeatureExtractor("resnet99-cifar", weights=None).fit(ims), (ValueError, ImportError),
         "resnet99-cifar"),
        (lambda ims: DeepFeatureExtractor("resnet20-cifar", weights=None).fit(ims[0]), ValueError, "4-d"),
        (lambda ims: DeepFeatureExtractor("resnet20-cifar", weights=None).fit(np.zeros((2, 8, 8, 5), np.uint8)),
         ValueError, "C = 1, 3 or 4"),
        (lambda ims: DeepFeatureExtractor("resnet20-cifar", weights=None).fit(ims).transform(ims[:0]),
         ValueError, "no inputs"),
        (lambda ims: DeepFeatureExtractor("resnet20-cifar", weights=None).fit(ims).transform([]),
         ValueError, "no inputs"),
        (lambda ims: DeepFeatureExtractor("resnet20-cifar", weights=None).fit(ims).transform(["a.png", 3]),
         ValueError, "Unsupported input"),
        (lambda ims: DeepFeatureExtractor(["resnet20-cifar", "resnet32-cifar"], weights="x.th").fit(ims),
         ValueError, "one entry"),
        (lambda ims: DeepFeatureExtractor("resnet20-cifar", weights=None).fit(ims).transform(["missing.png"]),
         FileNotFoundError, "missing.png"),
    ],
    ids=["missing-file", "unknown-name", "3d-array", "5-channels", "empty-array", "empty-list",
         "mixed-types", "weights-count", "missing-image"],
)
def test_clear_errors(images, make, error, match):
    with pytest.raises(error, match=match):
        make(images)


def test_extractor_memory_never_changes_the_user_s_module(small_blobs, tmp_path):
    from skaug import DeepFeatureExtractor

    X = small_blobs[0].astype(np.float32)
    module = _module().train()
    before = {k: v.clone() for k, v in module.state_dict().items()}
    ext = DeepFeatureExtractor(module, device="cpu", memory=str(tmp_path)).fit(X)
    a = ext.transform(X)
    b = ext.transform(X)  # from the cache
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, DeepFeatureExtractor(module, device="cpu").fit(X)
                                  .transform(X))
    assert module.training  # never switched to eval
    for k, v in module.state_dict().items():
        assert torch.equal(v, before[k])


def test_out_of_memory_halves_the_batch_and_gives_the_same_features(gpu_images, model, monkeypatch):
    reference = DeepFeatureExtractor(model, batch_size=8, device="cpu").fit(gpu_images).transform(gpu_images)
    real_forward = DeepFeatureExtractor._forward
    sizes = []

    def forward_that_fits_three_rows(self, backbone, batch, device):
        sizes.append(len(batch))
        if len(batch) > 3:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory (simulated)")
        return real_forward(self, backbone, batch, device)

    monkeypatch.setattr(DeepFeatureExtractor, "_forward", forward_that_fits_three_rows)
    halved = DeepFeatureExtractor(model, batch_size=8, device="cpu").fit(gpu_images).transform(gpu_images)
    np.testing.assert_allclose(halved, reference, rtol=1e-5, atol=1e-6)
    # fit's one-row probe; then 8 → 4 → 2 + 2 and 4 → 2 + 2; the last 2 rows at once.
    assert sizes == [1, 8, 4, 2, 2, 4, 2, 2, 2]


def test_out_of_memory_on_a_single_row_reaches_the_caller(gpu_images, model, monkeypatch):
    def always_out_of_memory(self, backbone, batch, device):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory (simulated)")

    monkeypatch.setattr(DeepFeatureExtractor, "_forward", always_out_of_memory)
    with pytest.raises(torch.cuda.OutOfMemoryError):
        DeepFeatureExtractor(model, batch_size=4, device="cpu").fit(gpu_images).transform(gpu_images)


def test_bfloat16_autocast_runs_and_stays_close_to_float32(gpu_images, model):
    fp32 = DeepFeatureExtractor(model, device="cpu").fit(gpu_images).transform(gpu_images)
    bf16 = DeepFeatureExtractor(model, device="cpu", precision="bf16").fit(gpu_images).transform(gpu_images)
    assert bf16.dtype == np.float32
    assert not np.array_equal(bf16, fp32)  # autocast really ran in bfloat16
    cosine = (bf16 * fp32).sum(1)  # unit rows
    assert cosine.min() > 0.99

