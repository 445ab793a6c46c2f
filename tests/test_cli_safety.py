"""``skaug compare`` under hostile or odd input: files it must not overwrite, encodings,
decimal commas, escape codes, interrupts, full disks, and ``--save``."""

import errno
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from skaug import compare as cmp
from skaug.cli import main
from skaug.compare import load_csv, printable


@pytest.fixture
def table(tmp_path):
    """80 rows, two informative numeric columns and a categorical one."""
    rng = np.random.RandomState(0)
    y = np.repeat(["no", "yes"], 40)
    a = rng.randn(80) + 2 * (y == "yes")
    path = tmp_path / "t.csv"
    lines = ["a,b,colour,label"] + [
        f"{a[i]:.4f},{rng.randn():.4f},{['red', 'blue'][i % 2]},{y[i]}" for i in range(80)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def _run(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    return exc.value.code, capsys.readouterr().err


FAST = ["--methods", "lr", "--cv", "2", "--epochs", "1", "--quiet", "--n-jobs", "1"]


def test_output_never_overwrites_the_input(table, capsys):
    before = table.read_bytes()
    code, err = _run(["compare", str(table), "--target", "label", "--output",
                      str(table), *FAST], capsys)
    assert code == 2 and "is the input file" in err
    assert table.read_bytes() == before


def test_existing_files_need_force(table, tmp_path, capsys):
    out = tmp_path / "r.md"
    out.write_text("keep me")
    code, err = _run(["compare", str(table), "--target", "label", "--output", str(out), *FAST],
                     capsys)
    assert code == 2 and "--force" in err and out.read_text() == "keep me"
    assert main(["compare", str(table), "--target", "label", "--output", str(out), "--force",
                 *FAST]) == 0
    assert out.read_text().startswith("| model |")


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
                      make(tmp_path), *FAST], capsys)
    assert code == 2 and message in err


def test_two_outputs_to_one_file_are_refused(table, tmp_path, capsys):
    code, err = _run(["compare", str(table), "--target", "label", "--output",
                      str(tmp_path / "x.md"), "--save", str(tmp_path / "x.md"), *FAST], capsys)
    assert code == 2 and "must end in .skops" in err


def test_a_full_disk_is_one_line_and_leaves_no_partial_file(table, tmp_path, capsys,
                                                              monkeypatch):
    def full(self, *args, **kwargs):
        with open(self, "w") as f:
            f.write("| half a tab")  # some bytes reach the disk, then it is full
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(cmp.Path, "write_text", full)
    code, err = _run(["compare", str(table), "--target", "label", "--output",
                      str(tmp_path / "r.md"), *FAST], capsys)
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
        cmp.write_atomically(path, broken)
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["r.md"]


def test_interrupt_stops_compare_with_exit_130_and_writes_nothing(table, tmp_path):
    out = tmp_path / "r.md"
    script = textwrap.dedent(f"""
        import os, signal, threading
        import skaug.compare as cmp
        from skaug.cli import main
        real = cmp._tune_fit_score
        def slow(*a, **k):
            os.kill(os.getpid(), signal.SIGINT)
            return real(*a, **k)
        cmp._tune_fit_score = slow
        main(["compare", {str(table)!r}, "--target", "label", "--output", {str(out)!r},
              "--methods", "lr", "--cv", "2", "--quiet", "--n-jobs", "1"])
        print("returned normally")
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 130, proc.stderr
    assert "interrupted; no output written" in proc.stderr
    assert "returned normally" not in proc.stdout and not out.exists()


def test_compare_function_lets_keyboard_interrupt_through(table, monkeypatch):
    X, y, *_ = load_csv(table, "label")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cmp, "_tune_fit_score", interrupted)
    with pytest.raises(KeyboardInterrupt):
        cmp.compare(X, y, ["sea"], preprocessor=cmp.make_preprocessor(["numeric"] * 2 +
                                                                     ["categorical"]),
                    cv=2, progress=False)


def test_latin1_csv_gets_a_hint_then_reads_with_encoding(tmp_path, capsys):
    path = tmp_path / "l.csv"
    rows = "".join(f"{i % 5},{['café', 'thé'][i % 2]},{'xy'[i % 2]}\n" for i in range(40))
    path.write_bytes(("größe,boisson,label\n" + rows).encode("latin-1"))
    with pytest.raises(ValueError, match="not valid utf-8.*--encoding latin-1"):
        load_csv(path, "label")
    X, y, kinds, names, notes = load_csv(path, "label", encoding="latin-1")
    assert names == ["größe", "boisson"] and set(X["boisson"]) == {"café", "thé"}
    code, err = _run(["compare", str(path), "--target", "label", *FAST], capsys)
    assert code == 2 and "--encoding" in err


def test_utf16_csv_is_read_from_its_byte_order_mark(tmp_path):
    path = tmp_path / "u.csv"
    path.write_text("a,label\n" + "".join(f"{i % 4},{'xy'[i % 2]}\n" for i in range(20)),
                    encoding="utf-16")
    X, y, kinds, *_ = load_csv(path, "label")
    assert kinds == ["numeric"] and sorted(set(y)) == ["x", "y"]


def test_semicolons_with_decimal_commas_are_numbers(tmp_path):
    path = tmp_path / "eu.csv"
    path.write_text("breite;höhe;label\n" + "".join(
        f"{i},{i % 7};{i % 3},25;{'ab'[i % 2]}\n" for i in range(100)))
    X, y, kinds, names, notes = load_csv(path, "label")
    assert kinds == ["numeric", "numeric"], notes
    np.testing.assert_allclose(X.iloc[:3].to_numpy(), [[0.0, 0.25], [1.1, 1.25], [2.2, 2.25]])


def test_dropped_columns_are_explained_when_nothing_is_left(tmp_path):
    path = tmp_path / "text.csv"
    path.write_text("comment,label\n" + "".join(f"text number {i},{'ab'[i % 2]}\n"
                                                for i in range(100)))
    with pytest.raises(ValueError, match="no feature columns.*dropped 'comment'"):
        load_csv(path, "label")


def test_infinite_values_name_their_column(tmp_path):
    path = tmp_path / "inf.csv"
    path.write_text("a,b,label\n" + "".join(f"{i % 3},{'inf' if i == 4 else i % 5},"
                                             f"{'ab'[i % 2]}\n" for i in range(20)))
    with pytest.raises(ValueError, match="column 'b' .* infinite"):
        load_csv(path, "label")


def test_escape_codes_in_headers_are_shown_escaped(tmp_path):
    path = tmp_path / "esc.csv"
    path.write_text("a\x1b[2J,label\n1,x\n2,y\n")
    with pytest.raises(ValueError) as info:
        load_csv(path, "lbl")
    assert "\x1b" not in str(info.value) and "\\x1b[2J" in str(info.value)
    assert printable("ok\x07") == "ok\\x07" and printable("plain") == "plain"


def test_empty_and_short_rows(tmp_path):
    empty = tmp_path / "e.csv"
    empty.write_text("")
    with pytest.raises(ValueError, match="is empty"):
        load_csv(empty, "label")
    short = tmp_path / "s.csv"
    short.write_text("a,b,label\n1,2,x\n3,4\n")
    with pytest.raises(ValueError, match="line 3: 2 fields"):
        load_csv(short, "label")


def test_max_rows_draws_a_stratified_sample_and_says_so(table):
    X, y, kinds, names, notes = load_csv(table, "label", max_rows=20)
    assert len(X) == len(y) == 20 and sorted(np.unique(y, return_counts=True)[1]) == [10, 10]
    assert any("kept 20 of 80 rows" in n for n in notes)


def test_save_refits_the_best_model_and_it_loads_safely(table, tmp_path, capsys):
    from skaug.persistence import load

    path = tmp_path / "best.skops"
    assert main(["compare", str(table), "--target", "label", "--save", str(path), *FAST]) == 0
    out = capsys.readouterr().out
    assert "saved " in out and "refitted on all 80 rows" in out
    model = load(path)
    X, y, *_ = load_csv(table, "label")
    assert model.score(X, y) > 0.7
    assert type(model.named_steps["model"]).__name__ in (
        "LogisticRegression", "HistGradientBoostingClassifier")


def test_refit_best_tunes_on_all_rows_like_a_fold(table):
    X, y, kinds, *_ = load_csv(table, "label")
    pipe = cmp.refit_best("lr", X, y, preprocessor=cmp.make_preprocessor(kinds))
    search = cmp.tuned_search(cmp.models()["lr"], cmp.make_preprocessor(kinds), X, y,
                              inner_cv=2, metric="accuracy", class_weight=None, epochs=50,
                              seed=0).fit(X, y)
    assert pipe.named_steps["model"].C == search.best_params_["model__C"]


def test_plot_bars_start_at_zero(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from skaug.plot import plot_comparison

    rows = [{"model": "a", "accuracy": 91.0, "accuracy_std": 1.0},
            {"model": "b", "accuracy": 92.0, "accuracy_std": 0.5}]
    ax = plot_comparison(rows)
    assert ax.get_xlim() == (0.0, 100.0)


def test_sigint_reaches_a_plain_fit():
    script = textwrap.dedent("""
        import os, signal, threading
        import numpy as np
        from skaug import SAflexClassifier
        X = np.random.RandomState(0).randn(200, 5).astype(np.float32)
        y = (X[:, 0] > 0).astype(int)
        clf = SAflexClassifier(max_epochs=10**6, hidden_layer_sizes=(8,))
        threading.Timer(2, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
        try:
            clf.fit(X, y)
        except KeyboardInterrupt:
            print("interrupted", hasattr(clf, "net_"))
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert proc.stdout.strip() == "interrupted False", proc.stderr
