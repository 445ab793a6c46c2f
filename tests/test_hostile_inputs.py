"""Hostile files and odd scales: each gives a clear error or a correct answer (no shared data)."""

import json
import warnings

import numpy as np
import pytest
import torch

from skaug import (
    DeepFeatureExtractor,
    IADAClassifier,
    IDAAClassifier,
    SAflexClassifier,
    SeAClassifier,
)
from skaug.backbones.cifar_resnet import cifar_resnet
from skaug.methods.common import unit_normalize


@pytest.fixture(scope="module")
def images():
    return np.random.RandomState(0).randint(0, 256, (3, 32, 32, 3)).astype(np.uint8)


@pytest.fixture(scope="module")
def extractor(images):
    return DeepFeatureExtractor("resnet20-cifar", device="cpu").fit(images)


# -- image inputs -----------------------------------------------------------------------


def test_nan_or_inf_in_a_float_image_array_is_refused(extractor):
    X = np.full((3, 3, 32, 32), 0.5, np.float32)
    X[1, 0, 4, 4] = np.nan
    with pytest.raises(ValueError, match="Image 1 of the array holds NaN or infinite"):
        extractor.transform(X)
    X[1, 0, 4, 4] = np.inf
    with pytest.raises(ValueError, match="Image 1"):
        extractor.transform(X)


def test_float_images_in_0_255_are_refused_with_the_fix(extractor):
    X = np.full((2, 3, 32, 32), 200.0, np.float32)
    with pytest.raises(ValueError, match=r"in \[0, 1\].*0–255 values.*astype\(np.uint8\)"):
        extractor.transform(X)
    ok = extractor.transform(X / 255)
    assert np.isfinite(ok).all()


def test_flattened_image_rows_get_a_reshape_hint(extractor):
    with pytest.raises(ValueError, match=r"flattened 32×32 RGB images.*reshape\(-1, 32, 32, 3\)"):
        extractor.transform(np.zeros((4, 3072), np.uint8))


def test_empty_images_and_none_are_refused(extractor, tmp_path):
    from PIL import Image

    with pytest.raises(ValueError, match="at least 1×1 pixel"):
        extractor.transform(np.zeros((2, 0, 0, 3), np.uint8))
    with pytest.raises(ValueError, match="at least 1×1 pixel"):
        extractor.transform([Image.new("RGB", (0, 0))])
    with pytest.raises(ValueError, match="got None"):
        extractor.transform(None)
    with pytest.raises(ValueError, match="wrap it in a list"):
        extractor.transform(str(tmp_path / "a.png"))


def test_truncated_or_non_image_files_name_the_file(extractor, images, tmp_path):
    from PIL import Image

    good = tmp_path / "good.jpg"
    Image.fromarray(images[0]).save(good)
    truncated = tmp_path / "cut.jpg"
    truncated.write_bytes(good.read_bytes()[:200])
    text = tmp_path / "notes.jpg"
    text.write_text("not an image")
    for path in (truncated, text):
        with pytest.raises(ValueError, match=f"Cannot read image file '{path}'"):
            extractor.transform([str(good), str(path)])


# -- backbones and checkpoints ----------------------------------------------------------


def test_a_backbone_name_typo_suggests_the_name():
    with pytest.raises(ValueError, match="Unknown backbone 'resnet20-cifr'.*'resnet20-cifar'"):
        DeepFeatureExtractor("resnet20-cifr").fit()
    with pytest.raises(ValueError, match="Did you mean 'efficientnet-lite0'"):
        DeepFeatureExtractor("efficientnet-lite").fit()


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ckpt")
    good = folder / "good.th"
    torch.save(cifar_resnet(20).state_dict(), good)
    files = {
        "junk": b"\x00garbage" * 50,
        "empty": b"",
        "truncated": good.read_bytes()[: good.stat().st_size // 2],
    }
    for name, data in files.items():
        (folder / f"{name}.th").write_bytes(data)
    torch.save(cifar_resnet(32).state_dict(), folder / "other-depth.th")
    torch.save({"epoch": 3, "notes": ["x"]}, folder / "no-tensors.th")
    return folder


@pytest.mark.parametrize("name, match", [
    ("junk", "cannot be read as a torch checkpoint"),
    ("empty", "is empty"),
    ("truncated", "cannot be read as a torch checkpoint"),
    ("other-depth", "does not fit CifarResNet: Unexpected key"),
    ("no-tensors", "does not hold a state dict"),
])
def test_bad_checkpoints_raise_value_error_naming_the_file(checkpoints, name, match):
    path = checkpoints / f"{name}.th"
    with pytest.raises(ValueError, match=match) as info:
        DeepFeatureExtractor("resnet20-cifar", weights=str(path)).fit()
    assert str(path) in str(info.value)
    DeepFeatureExtractor("resnet20-cifar", weights=str(checkpoints / "good.th")).fit()


def test_a_checkpoint_that_would_run_code_is_refused(tmp_path):
    class Payload:
        def __reduce__(self):
            return (print, ("this must never print",))

    path = tmp_path / "evil.th"
    torch.save({"conv1.weight": Payload()}, path)
    with pytest.raises(ValueError, match="weights_only=True"):
        DeepFeatureExtractor("resnet20-cifar", weights=str(path)).fit()


def _model_folder(tmp_path, types, config=None):
    folder = tmp_path / "model"
    folder.mkdir()
    modules = [{"idx": i, "name": str(i), "path": "", "type": t} for i, t in enumerate(types)]
    (folder / "modules.json").write_text(json.dumps(modules))
    (folder / "evil.py").write_text(
        f"open({str(tmp_path / 'ran')!r}, 'w').write('ran')\nclass Evil: pass\n")
    if config is not None:
        (folder / "config.json").write_text(json.dumps(config))
    return folder


def test_a_model_folder_naming_foreign_code_is_refused_without_importing_it(tmp_path):
    pytest.importorskip("sentence_transformers")
    folder = _model_folder(tmp_path, ["sentence_transformers.models.Transformer", "evil.Evil"])
    with pytest.raises(ValueError, match=r"outside sentence-transformers \(\['evil.Evil'\]\)"):
        DeepFeatureExtractor(str(folder)).fit()
    assert not (tmp_path / "ran").exists()


def test_a_model_folder_asking_for_custom_transformers_code_is_refused(tmp_path):
    pytest.importorskip("sentence_transformers")
    folder = _model_folder(tmp_path, ["sentence_transformers.models.Transformer"],
                           config={"auto_map": {"AutoModel": "evil.Evil"}})
    with pytest.raises(ValueError, match="custom model code"):
        DeepFeatureExtractor(str(folder)).fit()
    assert not (tmp_path / "ran").exists()


# -- odd scales in the classifiers -------------------------------------------------------


@pytest.fixture(scope="module")
def problem():
    rng = np.random.RandomState(0)
    X = rng.randn(300, 5).astype(np.float32)
    return X, (X[:, 0] > 0).astype(int)


def test_unit_normalize_cannot_overflow_or_underflow():
    rows = torch.tensor([[3e20, 4e20], [3e-30, 4e-30], [0.0, 0.0], [3e38, -3e38]])
    want = torch.tensor([[0.6, 0.8], [0.6, 0.8], [0.0, 0.0], [2**-0.5, -(2**-0.5)]])
    torch.testing.assert_close(unit_normalize(rows), want)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_unit_normalize_is_the_same_on_both_paths(dtype):
    # Ordinary rows take one norm and one division; one extreme row sends the
    # whole batch through the rescaled path. Both give the same unit rows.
    x = torch.randn(64, 7, generator=torch.Generator().manual_seed(0), dtype=dtype)
    ordinary = unit_normalize(x)
    torch.testing.assert_close(ordinary.norm(dim=1), torch.ones(64, dtype=dtype))
    tiny = torch.finfo(dtype).tiny
    # tiny^(1/2) / 64: squares in the subnormal range, where a plain norm loses
    # float32 digits (8e-6 relative) — the rescaled path must take such rows.
    for extreme in (tiny ** 0.5 / 64, tiny ** 0.5, tiny ** 0.25, 1 / tiny ** 0.25,
                    1 / tiny ** 0.5):
        mixed = unit_normalize(torch.cat([x, x[:1] * extreme]))
        torch.testing.assert_close(mixed[:64], ordinary)
        torch.testing.assert_close(mixed[64], ordinary[0])


@pytest.mark.parametrize("scale", [1e20, 1e30])
def test_sea_gives_the_same_model_at_any_feature_scale(problem, scale):
    X, y = problem
    small = SeAClassifier(max_epochs=5, random_state=0).fit(X, y)
    large = SeAClassifier(max_epochs=5, random_state=0).fit(X * scale, y)
    np.testing.assert_allclose(large.predict_proba(X * scale), small.predict_proba(X),
                               rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("cls, params", [
    (SAflexClassifier, {}), (IDAAClassifier, {"vae_epochs": 1}),
    (IADAClassifier, {"perturbation": "constant"}),
])
def test_mlp_heads_warn_about_unscaled_features(problem, cls, params):
    X, y = problem
    with pytest.warns(UserWarning, match="far from standardised.*StandardScaler"):
        cls(max_epochs=1, random_state=0, **params).fit(X * 1e30, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cls(max_epochs=1, random_state=0, **params).fit(X, y)


def test_huge_sample_weights_count_by_their_ratios(problem):
    X, y = problem
    w = np.where(y == 1, 2.0, 1.0)
    ref = SeAClassifier(max_epochs=3, random_state=0).fit(X, y, sample_weight=w)
    big = SeAClassifier(max_epochs=3, random_state=0).fit(X, y, sample_weight=w * 1.5e38)
    np.testing.assert_allclose(big.predict_proba(X), ref.predict_proba(X), rtol=1e-5)
    with pytest.raises(ValueError, match="overflows"):
        SeAClassifier(max_epochs=1, class_weight={0: 1e300, 1: 1.0}).fit(
            X, y, sample_weight=np.full(len(y), 1e300))


def test_saflex_survives_warnings_as_errors(problem, monkeypatch):
    # some torch releases warn (DeprecationWarning) inside forward-mode AD's first use
    import torch.autograd.forward_ad as fwAD

    real = fwAD.make_dual

    def noisy(*args, **kwargs):
        warnings.warn("`torch.jit.script` is deprecated", DeprecationWarning)
        warnings.warn("`torch.jit.script` is deprecated", FutureWarning)
        return real(*args, **kwargs)

    monkeypatch.setattr(fwAD, "make_dual", noisy)
    X, y = problem
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SAflexClassifier(max_epochs=1, hidden_layer_sizes=(8,), random_state=0).fit(X, y)
