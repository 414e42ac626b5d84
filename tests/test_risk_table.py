"""Reading labelled tables: every bad input is one precise ValidationError; odd but usable input
is handled and noted."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from core.errors import ValidationError
from risk.learner import AdditiveRiskModel
from risk.table import Column, load_table

HEADER = ["account", "seats", "plan", "churned"]


def good_rows(n: int = 40, positives: int = 10) -> list[list[str]]:
    """``n`` well-formed rows of HEADER, the first ``positives`` of them churned."""
    plans = ("basic", "pro", "team")
    return [
        [f"A{i:03d}", str(10 + i % 7), plans[i % 3], "yes" if i < positives else "no"]
        for i in range(n)
    ]


def write(tmp_path: Path, rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER) -> Path:
    path = tmp_path / "accounts.csv"
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return path


def refused(path: Path, label: str = "churned", id_column: str | None = None) -> str:
    with pytest.raises(ValidationError) as caught:
        load_table(path, label, id_column)
    message = caught.value.message
    assert "\n" not in message
    assert path.name in message
    return message


# --- files that are not tables ---------------------------------------------------------------


def test_missing_empty_binary_and_headerless_files_are_refused(tmp_path: Path) -> None:
    assert "no such file" in refused(tmp_path / "nowhere.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n")
    assert "empty" in refused(empty)
    binary = tmp_path / "sheet.csv"
    binary.write_bytes(b"PK\x03\x04\x00\x00binary zip")
    assert "not a CSV" in refused(binary)
    headerless = write(tmp_path, good_rows()[1:], header=["1", "2", "3", "4"])
    assert "no header" in refused(headerless)
    header_only = write(tmp_path, [])
    assert "no rows" in refused(header_only)


def test_ragged_rows_name_the_row_and_the_field_counts(tmp_path: Path) -> None:
    rows = good_rows()
    rows[3] = rows[3][:3]
    message = refused(write(tmp_path, rows))
    assert "row 5 has 3 fields, the header has 4" in message  # header is row 1


# --- the label -------------------------------------------------------------------------------


def test_an_absent_label_lists_the_columns(tmp_path: Path) -> None:
    message = refused(write(tmp_path, good_rows()), label="Churn")
    assert "no label column 'Churn'" in message
    assert "account, seats, plan, churned" in message


def test_bad_label_values_are_named_with_their_rows(tmp_path: Path) -> None:
    rows = good_rows()
    rows[4][3] = "maybe"
    rows[7][3] = "Left"
    message = refused(write(tmp_path, rows))
    assert "2 values are not a yes/no label" in message
    assert "row 6 'maybe'" in message and "row 9 'Left'" in message


def test_label_spellings_map_case_insensitively(tmp_path: Path) -> None:
    rows = good_rows()
    for i, word in enumerate(["Churned", "TRUE", "1", "Y", "yes"]):
        rows[i][3] = word
    for i, word in enumerate(["Renewed", "false", "0", "n", "NO"], start=20):
        rows[i][3] = word
    table = load_table(write(tmp_path, rows), "churned")
    assert table.y.tolist() == [1] * 10 + [0] * 30
    assert table.positive_label == "yes"  # the commonest spelling of the positive class


def test_blank_labels_leave_their_rows_out_with_a_note(tmp_path: Path) -> None:
    rows = good_rows(43)
    for i in (11, 12, 30):
        rows[i][3] = "" if i != 30 else "n/a"
    table = load_table(write(tmp_path, rows), "churned")
    assert len(table.y) == 40
    assert "3 rows without a label were left out" in table.notes


def test_one_class_and_too_few_rows_are_refused(tmp_path: Path) -> None:
    only_no = write(tmp_path, good_rows(positives=0))
    assert "needs both classes; found only 'no' in 40 rows" in refused(only_no)
    assert "only 19 labelled rows" in refused(write(tmp_path, good_rows(19, 8)))
    assert "only 4 rows of the rarer class" in refused(write(tmp_path, good_rows(40, 4)))


# --- the id column ---------------------------------------------------------------------------


def test_id_column_problems_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, good_rows())
    assert "no id column 'customer'" in refused(path, id_column="customer")
    rows = good_rows()
    rows[9][0] = rows[2][0]
    rows[12][0] = rows[3][0]
    message = refused(write(tmp_path, rows), id_column="account")
    assert "2 duplicate ids" in message and "'A002' (rows 4 and 11)" in message
    rows = good_rows()
    rows[5][0] = ""
    assert "blank in 1 rows, e.g. rows [7]" in refused(write(tmp_path, rows), id_column="account")


def test_the_id_column_is_kept_as_ids_not_as_a_feature(tmp_path: Path) -> None:
    table = load_table(write(tmp_path, good_rows()), "churned", id_column="account")
    assert table.ids is not None and table.ids[:2] == ("A000", "A001")
    assert [c.name for c in table.columns] == ["seats", "plan"]
    assert table.columns == (Column("seats", "numeric"), Column("plan", "categorical"))


# --- column typing ---------------------------------------------------------------------------


def test_na_tokens_are_missing_and_keep_a_numeric_column_numeric(tmp_path: Path) -> None:
    rows = good_rows()
    for i, token in zip((1, 2, 3, 4, 5), ("NA", "n/a", "null", "?", "-"), strict=True):
        rows[i][1] = token
    rows[6][2] = "None"
    table = load_table(write(tmp_path, rows), "churned", "account")
    seats, plan = table.rows[:, 0], table.rows[:, 1]
    assert table.columns[0] == Column("seats", "numeric")
    assert [math.isnan(v) for v in seats[:7]] == [False, True, True, True, True, True, False]
    assert plan[6] is None
    assert any(n.startswith("seats: 5 blank or NA") for n in table.notes), table.notes


def test_junk_in_a_numeric_column_is_refused_with_examples(tmp_path: Path) -> None:
    rows = good_rows()
    rows[10][1] = "abc"
    rows[20][1] = "12 seats"
    message = refused(write(tmp_path, rows))
    assert "column seats: 2 non-numeric values in a numeric column" in message
    assert "row 12 'abc'" in message and "row 22 '12 seats'" in message
    assert "fix or blank them" in message


def test_identifier_constant_and_empty_columns_are_dropped_with_notes(tmp_path: Path) -> None:
    header = ["name", "region", "notes", "seats", "churned"]
    rows = [
        [f"Client {i}", "VIC", "" if i else "called", str(i % 9), "yes" if i % 4 == 0 else "no"]
        for i in range(120)
    ]
    table = load_table(write(tmp_path, rows, header), "churned")
    assert [c.name for c in table.columns] == ["seats"]
    notes = " | ".join(table.notes)
    assert "name: dropped, a distinct value in nearly every row (an identifier" in notes
    assert "region: dropped, the same value in every row" in notes
    assert "notes: dropped, missing in 119 of 120 rows" in notes


def test_windows_semicolon_exports_are_read_and_say_so(tmp_path: Path) -> None:
    rows = good_rows()
    rows[0][2] = "entrée"
    path = tmp_path / "export.csv"
    path.write_bytes("\n".join(";".join(r) for r in [HEADER, *rows]).encode("cp1252"))
    table = load_table(path, "churned", "account")
    assert len(table.y) == 40
    assert table.rows[0, 1] == "entrée"
    assert table.notes[:2] == (
        "read as Windows-1252 text (not UTF-8)",
        "read as ';'-separated values",
    )


def test_a_fifth_missing_in_both_kinds_of_column_still_trains(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    header = ["tickets", "tier", "renewed"]
    rows = []
    for i in range(300):
        tickets = rng.poisson(4)
        tier = ("gold", "silver", "bronze")[i % 3]
        churn = rng.random() < (0.1 + 0.06 * tickets)
        rows.append(
            [
                "" if i % 5 == 0 else str(tickets),
                "" if i % 5 == 1 else tier,
                "renewed" if not churn else "churned",
            ]
        )
    table = load_table(write(tmp_path, rows, header), "renewed")
    assert "tickets: 60 blank values treated as missing" in table.notes
    assert "tier: 60 blank values treated as missing" in table.notes
    model = AdditiveRiskModel(table.columns, seed=1).fit(table.rows, table.y)
    p = model.predict_proba(table.rows)
    assert np.isfinite(p).all() and 0 < p.min() <= p.max() < 1
    described = table.describe()
    assert described["rows"] == 300
    assert described["features"] == {"numeric": ["tickets"], "categorical": ["tier"]}
    assert described["positive"] == "churned"
    assert described["positive_rate"] == round(float(table.y.mean()), 4)
