"""The docs stay true: every public name has an API page, every Python block of README
and the guides runs on a fresh machine (no shared data folder), every command line in
them parses, and every gallery example runs."""

import re
import runpy
import shlex
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = ["README.md", *sorted(p.name for p in DOCS.glob("*.md"))]
EXAMPLES = sorted((ROOT / "examples").glob("plot_*.py"))


def _page(name):
    return ROOT / name if name == "README.md" else DOCS / name


def test_api_page_lists_every_public_name():
    import skaug
    import skaug.compare
    import skaug.extraction
    import skaug.samplers

    api = (DOCS / "api.rst").read_text()
    listed = set(re.findall(r"^   ([\w.]+)$", api, flags=re.M))
    public = {n for n in skaug.__all__ if not n.startswith("_")}
    public |= {f"samplers.{n}" for n in skaug.samplers.__all__}
    public |= {f"extraction.{n}" for n in skaug.extraction.__all__
               if callable(getattr(skaug.extraction, n)) and n != "DeepFeatureExtractor"}
    public |= {"compare.compare", "compare.select_models", "compare.refit_best",
               "compare.load_csv", "compare.Comparison", "persistence.dump",
               "persistence.load", "plot.plot_training_curves", "plot.plot_comparison",
               "datasets.load_builtin"}
    assert public <= listed, f"public names without an API page: {sorted(public - listed)}"
    for name in listed:  # and every listed name exists
        obj = skaug
        for part in name.split("."):
            obj = getattr(obj, part) if hasattr(obj, part) else __import__(
                f"{obj.__name__}.{part}", fromlist=["_"])
        assert obj is not None, name


def _python_blocks(name):
    text = _page(name).read_text()
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def _commands(name):
    """The ``skaug ...`` command lines of a page's bash blocks (continuations joined)."""
    out = []
    for block in re.findall(r"```bash\n(.*?)```", _page(name).read_text(), flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split(" #")[0].strip()
            for part in line.split("&&"):
                words = shlex.split(part)
                if words[:1] == ["skaug"]:
                    out.append(words[1:])
    return out


PAGES_WITH_CODE = [p for p in PAGES if _python_blocks(p)]


@pytest.mark.parametrize("page", PAGES_WITH_CODE)
def test_python_blocks_run_on_a_fresh_machine(page, monkeypatch, tmp_path, request):
    """Each page's blocks run in order in one namespace, in an empty folder, without the
    shared data folder; only data shipped with skaug and scikit-learn, and backbones from
    PyPI. A block that talks to a remote scheduler talks to the test cluster instead."""
    pytest.importorskip("pandas")
    monkeypatch.setenv("SKAUG_DATA_DIR", str(tmp_path / "absent"))
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": f"docs_{Path(page).stem}"}
    for block in _python_blocks(page):
        if "tcp://scheduler-host:8786" in block:
            address = request.getfixturevalue("dask_client").scheduler.address
            block = block.replace("tcp://scheduler-host:8786", address)
        exec(compile(block, page, "exec"), namespace)  # noqa: S102
    sys.modules.pop(namespace["__name__"], None)
    checks = {  # what each page's code claims, checked
        "tutorial.md": lambda ns: ns["sea_score"] > 0.75 and ns["lr_score"] > 0.75
        and ns["saflex_score"] > 0.75,
        "persistence.md": lambda ns: (tmp_path / "model.skops").is_file(),
        "samplers.md": lambda ns: ns["search"].best_score_ > 0.5,
        "sea.md": lambda ns: ns["search"].best_score_ > 0.8,
        "saflex.md": lambda ns: ns["scores"].mean() > 0.75,
        "idaa.md": lambda ns: len(ns["curve"]) == 50 and ns["saflex"].score(ns["X"], ns["y"]) > 0.75,
        "extraction.md": lambda ns: ns["pipe"].score(ns["images"], ns["labels"]) > 0.9,
        "distributed.md": lambda ns: ns["search"].best_score_ > 0.75,
        "README.md": lambda ns: ns["search"].best_score_ > 0.8,
    }
    assert checks[page](namespace), page


@pytest.mark.parametrize("page", [p for p in PAGES if _commands(p)])
def test_command_lines_in_the_docs_parse(page):
    """Every ``skaug ...`` line of the docs names a real command and real flags."""
    from skaug.cli import _parser

    for words in _commands(page):
        try:
            _parser().parse_args(words)
        except SystemExit as exc:  # --help and --version exit 0; a bad flag exits 2
            assert exc.code == 0, f"{page}: skaug {shlex.join(words)}"


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_gallery_example_runs(example, monkeypatch, tmp_path):
    """Each example runs as the site build runs it: as a script, figures on Agg."""
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.setenv("SKAUG_DATA_DIR", str(tmp_path / "absent"))
    monkeypatch.chdir(tmp_path)
    try:
        runpy.run_path(str(example), run_name="__main__")
        assert plt.get_fignums(), f"{example.name} draws no figure"
    finally:
        plt.close("all")


def test_every_example_is_in_the_gallery_and_says_what_it_shows():
    for example in EXAMPLES:
        text = example.read_text()
        title = text.split('"""')[1].strip().splitlines()
        assert len(title) > 3 and set(title[1]) == {"="}, example.name


def test_compare_page_lists_the_real_grids():
    from skaug.compare import models

    text = (DOCS / "compare.md").read_text()
    for name, model in models().items():
        row = next(ln for ln in text.splitlines() if ln.startswith(f"| `{name}` |"))
        assert f"| {model.role} |" in row, name
        for key, values in model.grid.items():
            assert f"`{key}`: " + ", ".join(f"{v:g}" for v in values) in row, name
