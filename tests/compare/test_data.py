"""skaug.compare._data and ._columns: the user's CSV file, read as they meant it."""


import numpy as np
import pytest

from skaug.compare import (
    load_csv,
    make_preprocessor,
    printable,
)
from tests._helpers import CLI_FAST, _run


def test_load_csv_detects_kinds_missing_values_and_identifiers(small_csv):
    X, y, kinds, names, notes, _ = load_csv(small_csv, "label")
    assert names == ["age", "city", "income"]
    assert kinds == ["numeric", "categorical", "numeric"], notes
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
    with pytest.raises(ValueError, match="no column 'nope' to keep, drop or read as text"):
        load_csv(small_csv, "label", drop=["nope"])
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b,label\n1,2,x\n3,y\n")
    with pytest.raises(ValueError, match="line 3: 2 fields"):
        load_csv(ragged, "label")


def test_real_churn_csv_is_read_like_a_user_expects(data_dir):
    path = data_dir / "tabular" / "churn_modelling.csv"
    if not path.exists():
        pytest.skip(f"{path.name} not in the data folder")
    X, y, kinds, names, notes, _ = load_csv(path, "Exited")
    assert set(np.unique(y)) == {0, 1} and len(y) == 10000 and y.dtype == np.int64
    assert dict(zip(names, kinds))["Geography"] == "categorical"
    assert dict(zip(names, kinds))["Balance"] == "numeric"
    assert not {"RowNumber", "CustomerId", "Surname"} & set(names)
    Z = make_preprocessor(kinds).fit_transform(X)
    assert Z.shape[0] == 10000 and np.isfinite(Z).all()


def test_latin1_csv_gets_a_hint_then_reads_with_encoding(tmp_path, capsys):
    path = tmp_path / "l.csv"
    rows = "".join(f"{i % 5},{['café', 'thé', 'eau'][i % 3]},{'xy'[i % 2]}\n" for i in range(40))
    path.write_bytes(("größe,boisson,label\n" + rows).encode("latin-1"))
    # the library names its parameter; the command line names its flag
    with pytest.raises(ValueError, match="not valid utf-8.*encoding='latin-1'"):
        load_csv(path, "label")
    X, y, kinds, names, notes, _ = load_csv(path, "label", encoding="latin-1")
    assert names == ["größe", "boisson"] and set(X["boisson"]) == {"café", "thé", "eau"}
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
    X, y, kinds, names, notes, _ = load_csv(path, "label")
    assert kinds == ["numeric", "numeric"], notes
    np.testing.assert_allclose(X.iloc[:3].to_numpy(), [[0.0, 0.25], [1.1, 1.25], [2.2, 2.25]])


def test_dropped_columns_are_explained_when_nothing_is_left(tmp_path):
    path = tmp_path / "text.csv"
    path.write_text("comment,label\n" + "".join(f"text number {i},{'ab'[i % 2]}\n"
                                                for i in range(100)))
    with pytest.raises(ValueError, match="no feature columns.*left out 'comment'"):
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
    X, y, kinds, names, notes, _ = load_csv(table, "label", max_rows=20)
    assert len(X) == len(y) == 20 and sorted(np.unique(y, return_counts=True)[1]) == [10, 10]
    assert any("kept 20 of 80 rows" in n for n in notes)



# ---------------------------------------------- ordinary-but-messy files, read as meant


def _write(path, frame, sep=","):
    frame.to_csv(path, index=False, sep=sep)
    return path


def test_a_second_target_column_is_never_a_feature(tmp_path):
    """Random labels and a copy of them: the copy would score 100 % (target leakage)."""
    import pandas as pd

    rng = np.random.RandomState(0)
    labels = rng.choice(["a", "b"], 120)
    frame = pd.DataFrame({"x": rng.randn(120), "z": rng.randn(120), "label": labels})
    text = frame.to_csv(index=False).splitlines()
    path = tmp_path / "twice.csv"
    path.write_text("\n".join([text[0] + ",label"] + [f"{row},{lab}" for row, lab in
                                                       zip(text[1:], labels)]) + "\n")
    table = load_csv(path, "label")
    assert table.names == ["x", "z"]
    assert any("'label (2)': a copy of the target" in n for n in table.notes)
    # a recoding of the target is as good as a copy: left out, unless asked for
    frame["code"] = np.where(labels == "a", 7, 9)
    table = load_csv(_write(tmp_path / "recoded.csv", frame), "label")
    assert "code" not in table.names
    assert any("'code': it determines the target one-to-one" in n for n in table.notes)
    assert "code" in load_csv(tmp_path / "recoded.csv", "label", keep=["code"]).names
    # and a column repeating another is read once
    frame["x again"] = frame["x"]
    table = load_csv(_write(tmp_path / "again.csv", frame), "label")
    assert "x again" not in table.names
    assert any("'x again': the same values as 'x'" in n for n in table.notes)


@pytest.mark.parametrize("name", ["none", "NA", "null", "?", "N/A"])
def test_a_class_named_like_a_missing_value_is_a_class(tmp_path, name):
    import pandas as pd

    rng = np.random.RandomState(1)
    labels = np.array([name, "yes", "no"] * 20)
    frame = pd.DataFrame({"x": rng.randn(60), "label": labels})
    path = tmp_path / "na.csv"
    path.write_text(frame.to_csv(index=False))
    table = load_csv(path, "label")
    assert len(table.y) == 60 and set(table.y) == {name, "yes", "no"}
    assert any("are class labels" in n for n in table.notes)
    # an empty target cell is still a row without a label
    path.write_text(path.read_text().replace(f",{name}\n", ",\n", 1))
    table = load_csv(path, "label")
    assert len(table.y) == 59 and any("dropped 1 rows without" in n for n in table.notes)


def test_thousands_separators_are_found_per_column(tmp_path):
    """1,250 in a tab-separated file is one thousand two hundred and fifty, as 950 is 950."""
    import pandas as pd

    rng = np.random.RandomState(2)
    frame = pd.DataFrame({"amount": ["1,250", "950", "12,000", "3,400", "100"] * 12,
                          "big": ["1,250,000", "980"] * 30,
                          "price": ["1,250.50", "7.25"] * 30,
                          "label": rng.choice(["a", "b"], 60)})
    table = load_csv(_write(tmp_path / "money.tsv", frame, sep="\t"), "label")
    np.testing.assert_array_equal(table.X["amount"][:5], [1250, 950, 12000, 3400, 100])
    np.testing.assert_array_equal(table.X["big"][:2], [1250000, 980])
    np.testing.assert_array_equal(table.X["price"][:2], [1250.5, 7.25])
    assert any("'amount': numbers written with decimal mark '.' and thousands separator ','"
               in n for n in table.notes)


def test_spaces_and_apostrophes_group_thousands(tmp_path):
    """French "1 234,50", Swiss "1'234.50", a no-break space: numbers, not identifiers."""
    import pandas as pd

    rng = np.random.RandomState(5)
    frame = pd.DataFrame({"fr": ["1 234,50", "950,25", "12 000"] * 20,
                          "ch": ["1'234.50", "7.25", "3'400'000"] * 20,
                          "nb": ["4\u00a0005", "17", "250\u00a0000"] * 20,
                          "words": ["red car", "blue car", "old bus"] * 20,
                          "label": rng.choice(["a", "b"], 60)})
    table = load_csv(_write(tmp_path / "marks.csv", frame, sep=";"), "label")
    np.testing.assert_allclose(table.X["fr"][:3], [1234.5, 950.25, 12000])
    np.testing.assert_allclose(table.X["ch"][:3], [1234.5, 7.25, 3400000])
    np.testing.assert_allclose(table.X["nb"][:3], [4005, 17, 250000])
    assert any("'fr': numbers written with decimal mark ',' and thousands separator ' '"
               in n for n in table.notes)
    assert table.kinds[list(table.names).index("words")] != "numeric"  # text stays text


def test_decimal_commas_and_an_ambiguous_column(tmp_path):
    import pandas as pd

    rng = np.random.RandomState(3)
    labels = rng.choice(["a", "b"], 40)
    # a file whose other columns write decimal commas: 1,250 there is 1.25
    frame = pd.DataFrame({"w": ["3,14", "2,5"] * 20, "v": ["1,250", "0,5"] * 20,
                          "label": labels})
    table = load_csv(_write(tmp_path / "eu.csv", frame, sep=";"), "label")
    np.testing.assert_allclose(table.X["v"][:2], [1.25, 0.5])
    np.testing.assert_allclose(table.X["w"][:2], [3.14, 2.5])
    # alone, two values like 1,250 cannot be read either way for sure: the user says
    lone = pd.DataFrame({"v": ["1,250", "2,500"] + ["7"] * 38, "label": labels})
    path = _write(tmp_path / "lone.csv", lone, sep=";")
    with pytest.raises(ValueError, match=r"'1,250'.*1250 .*1\.25 .*thousands=','"):
        load_csv(path, "label")
    np.testing.assert_allclose(load_csv(path, "label", thousands=",").X["v"][:2], [1250, 2500])
    np.testing.assert_allclose(load_csv(path, "label", decimal=",").X["v"][:2], [1.25, 2.5])
    # never mixed: a decimal comma and thousands groups in one column are refused
    mixed = pd.DataFrame({"v": ["3,14", "1,250,000"] * 20, "label": labels})
    with pytest.raises(ValueError, match="mixes decimal commas and thousands separators"):
        load_csv(_write(tmp_path / "mixed.csv", mixed, sep=";"), "label")


def test_a_numeric_column_with_a_few_stray_tokens_stays_numeric(tmp_path):
    import pandas as pd

    rng = np.random.RandomState(4)
    x = rng.randn(200).round(3)
    y = np.where(x > 0, "up", "down")
    values = x.astype(str).astype(object)
    values[[3, 50, 77]] = "unknown"
    frame = pd.DataFrame({"x": values, "label": y})
    table = load_csv(_write(tmp_path / "stray.csv", frame), "label")
    assert table.kinds == ["numeric"] and table.X["x"].isna().sum() == 3
    assert any("3 values that are not numbers (e.g. 'unknown') read as missing" in n
               for n in table.notes)
    # mostly text: categories (or free text), never numbers
    words = pd.DataFrame({"x": ["red", "blue", "1"] * 20, "label": y[:60]})
    assert load_csv(_write(tmp_path / "words.csv", words), "label").kinds == ["categorical"]


def test_an_identifier_looking_column_can_be_kept(tmp_path):
    import pandas as pd

    rng = np.random.RandomState(5)
    frame = pd.DataFrame({"year": np.arange(1900, 1960), "x": rng.randn(60),
                          "label": rng.choice(["a", "b"], 60)})
    path = _write(tmp_path / "years.csv", frame)
    table = load_csv(path, "label")
    assert "year" not in table.names and any("keep=['year']" in n for n in table.notes)
    assert load_csv(path, "label", keep=["year"]).names == ["year", "x"]
    with pytest.raises(ValueError, match="no column 'yaer' to keep"):
        load_csv(path, "label", keep=["yaer"])


def test_a_headerless_file_is_detected(tmp_path):
    import pandas as pd

    rng = np.random.RandomState(6)
    frame = pd.DataFrame({"a": rng.randn(30), "b": rng.randn(30), "c": rng.choice([0, 1], 30)})
    path = tmp_path / "nohead.csv"
    frame.to_csv(path, index=False, header=False)
    with pytest.raises(ValueError, match="first row of nohead.csv looks like data.*header=False"):
        load_csv(path, "c")
    table = load_csv(path, "col3", header=False)
    assert table.names == ["col1", "col2"] and len(table.y) == 30
    assert any("no header row: the columns are named col1 ... col3" in n for n in table.notes)
    assert table.y.dtype == np.int64


@pytest.mark.parametrize("values, kind", [(["3", "1"] * 30, np.integer),
                                          (["True", "false"] * 30, np.bool_),
                                          (["yes", "no"] * 30, np.object_)])
def test_labels_keep_the_files_type(tmp_path, values, kind):
    import pandas as pd

    frame = pd.DataFrame({"x": np.arange(60) % 7, "label": values})
    table = load_csv(_write(tmp_path / "t.csv", frame), "label")
    assert np.issubdtype(table.y.dtype, kind)


def test_table_columns_read_new_rows_as_the_training_file(tmp_path):
    """The fitted columns read pandas' own parse of a new file and raw strings alike."""
    import pandas as pd

    rng = np.random.RandomState(7)
    frame = pd.DataFrame({"amount": [f"{v:,}" for v in rng.randint(500, 90000, 60)],
                          "member": rng.choice([True, False], 60),
                          "city": rng.choice(["Oslo", "NA", "Lima"], 60),
                          "label": rng.choice([0, 1], 60)})
    path = _write(tmp_path / "train.tsv", frame, sep="\t")
    table = load_csv(path, "label")
    by_pandas = pd.read_csv(path, sep="\t")  # "NA" is NaN there, 1,250 a string, member bool
    again = table.columns.transform(by_pandas)
    pd.testing.assert_frame_equal(again, table.X)
    few = table.columns.transform(by_pandas.iloc[:2].drop(columns="label"))
    assert list(few.columns) == table.names and len(few) == 2  # nothing re-detected
    with pytest.raises(ValueError, match="no column 'city'"):
        table.columns.transform(by_pandas.drop(columns="city"))
