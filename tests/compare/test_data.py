"""skaug.compare._data: reading the user's CSV file as they meant it."""


import numpy as np
import pytest

from skaug.compare import (
    load_csv,
    make_preprocessor,
    printable,
)
from tests._helpers import CLI_FAST, _run


def test_load_csv_detects_kinds_missing_values_and_identifiers(small_csv):
    X, y, kinds, names, notes = load_csv(small_csv, "label")
    assert names == ["age", "city", "income"]
    assert kinds == ["numeric", "categorical", "numeric"]
    assert X.shape == (60, 3) and sorted(set(y)) == ["no", "yes"]
    assert np.isnan(X.iloc[5, 0]) and X.iloc[7, 1] == "missing"
    assert any("'id'" in n for n in notes) and any("'name'" in n for n in notes)
    Z = make_preprocessor(kinds).fit_transform(X)
    assert Z.shape == (60, 2 + 4) and np.isfinite(Z).all()  # 3 cities + "missing"
    np.testing.assert_allclose(Z[:, :2].mean(0), 0, atol=1e-12)
    X2, *_ = load_csv(small_csv, "label", drop=["city"])
    assert X2.shape == (60, 2)


def test_load_csv_errors_say_what_to_do(small_csv, tmp_path):
    with pytest.raises(ValueError, match="no column 'target'.*age, city"):
        load_csv(small_csv, "target")
    other = tmp_path / "table.xlsx"
    other.write_bytes(b"PK\x03\x04")
    with pytest.raises(ValueError, match="not a CSV file"):
        load_csv(other, "label")
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_csv(tmp_path / "absent.csv", "label")
    with pytest.raises(ValueError, match="cannot drop nope"):
        load_csv(small_csv, "label", drop=["nope"])
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b,label\n1,2,x\n3,y\n")
    with pytest.raises(ValueError, match="line 3: 2 fields"):
        load_csv(ragged, "label")


def test_real_churn_csv_is_read_like_a_user_expects(data_dir):
    path = data_dir / "tabular" / "churn_modelling.csv"
    if not path.exists():
        pytest.skip(f"{path.name} not in the data folder")
    X, y, kinds, names, notes = load_csv(path, "Exited")
    assert set(np.unique(y)) == {"0", "1"} and len(y) == 10000
    assert dict(zip(names, kinds))["Geography"] == "categorical"
    assert dict(zip(names, kinds))["Balance"] == "numeric"
    assert not {"RowNumber", "CustomerId", "Surname"} & set(names)
    Z = make_preprocessor(kinds).fit_transform(X)
    assert Z.shape[0] == 10000 and np.isfinite(Z).all()


def test_latin1_csv_gets_a_hint_then_reads_with_encoding(tmp_path, capsys):
    path = tmp_path / "l.csv"
    rows = "".join(f"{i % 5},{['café', 'thé'][i % 2]},{'xy'[i % 2]}\n" for i in range(40))
    path.write_bytes(("größe,boisson,label\n" + rows).encode("latin-1"))
    # the library names its parameter; the command line names its flag
    with pytest.raises(ValueError, match="not valid utf-8.*encoding='latin-1'"):
        load_csv(path, "label")
    X, y, kinds, names, notes = load_csv(path, "label", encoding="latin-1")
    assert names == ["größe", "boisson"] and set(X["boisson"]) == {"café", "thé"}
    code, err = _run(["compare", str(path), "--target", "label", *CLI_FAST], capsys)
    assert code == 2 and "--encoding latin-1" in err and "encoding=" not in err


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

