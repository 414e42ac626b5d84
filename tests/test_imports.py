"""Spreadsheet imports (portfolio, targets, the BURC pipeline) on the seeded demo database."""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
import typer
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner, Result

from cli.main import main
from core.database import transaction
from core.errors import ValidationError
from core.models import Client, ClientHealthHistory, CseCamTarget, PipelineOpportunity, User
from core.settings import DatabaseSettings, get_settings
from ingest.spreadsheets.burc import acv_agrees, match_name
from ingest.spreadsheets.report import ImportReport
from ingest.spreadsheets.service import ImportKind, column_overrides, import_spreadsheet
from tests.agent_harness import TODAY, seed

Table = Sequence[Any]
PORTFOLIO_HEADER = [
    "Client Name", "Territory", "Region", "Segment", "CSE", "CAM", "ARR", "Health Score", "NPS",
    "Support SLA %", "Renewal Date",
]  # fmt: skip
BARWON = [
    "Barwon Health", "VIC", "Australia+NZ", "Enterprise", "tracey.bland@example.com",
    "Anu Pradhan", "$3,100,000", 88, 45, "97.5%", date(2027, 12, 31),
]  # fmt: skip
GEELONG = [
    "Geelong Private", "VIC", "Australia+NZ", "Growth", "Tracey Bland",
    "anu.pradhan@example.com", "450000", 75, 20, 99, "20/11/2027",
]  # fmt: skip
WESTERN = ["Western Health", "VIC", "Australia+NZ", "Mid-Market", None, None, "1,400,000"]


def write(path: Path, *sheets: tuple[str, Table], merge: Sequence[str] = ()) -> Path:
    """A CSV (the first table) or an .xlsx workbook (one sheet per table), by the suffix."""
    if path.suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(["" if v is None else v for v in r] for r in sheets[0][1])
        return path
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets:
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
        for cells in merge:
            sheet.merge_cells(cells)
    book.save(path)
    return path


def run(
    sessions: sessionmaker[Session], kind: ImportKind, path: Path, **options: Any
) -> ImportReport:
    with transaction(sessions) as session:
        return import_spreadsheet(session, kind, path, today=TODAY, **options)


def one(sessions: sessionmaker[Session], query: Any) -> Any:
    with sessions() as session:
        return session.execute(query).one()


def count(sessions: sessionmaker[Session], model: Any, *where: Any) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


@pytest.fixture
def seeded(committed_factory: sessionmaker[Session]) -> sessionmaker[Session]:
    seed(committed_factory)
    return committed_factory


def reasons(report: ImportReport) -> dict[int, str]:
    return {r.row: "; ".join(r.reasons) for r in report.rejected}


# --- good files, both formats ---------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_portfolio_lands_and_a_reimport_changes_nothing(
    seeded: sessionmaker[Session], tmp_path: Path, suffix: str
) -> None:
    path = write(tmp_path / f"portfolio{suffix}", ("Clients", [PORTFOLIO_HEADER, BARWON, GEELONG]))
    report = run(seeded, "portfolio", path)
    assert report.written and report.counts() == {
        "insert": 1, "update": 1, "unchanged": 0, "rejected": 0,
    }  # fmt: skip
    barwon = one(seeded, select(Client).where(Client.name == "Barwon Health"))[0]
    assert (barwon.arr, barwon.health_score, barwon.nps) == (Decimal("3100000.00"), 88, 45)
    assert (barwon.support_sla_pct, barwon.renewal_date) == (Decimal("97.50"), date(2027, 12, 31))
    geelong = one(seeded, select(Client).where(Client.name == "Geelong Private"))[0]
    tracey = one(seeded, select(User.id).where(User.email == "tracey.bland@example.com"))[0]
    assert (geelong.cse_id, geelong.renewal_date, geelong.arr) == (
        tracey, date(2027, 11, 20), Decimal("450000.00"),
    )  # fmt: skip
    assert report.history_rows == 2
    reading = one(seeded, select(ClientHealthHistory).where(
        ClientHealthHistory.client_id == barwon.id, ClientHealthHistory.recorded_on == TODAY,
    ))[0]  # fmt: skip
    assert (reading.health_score, reading.nps, reading.arr) == (88, 45, Decimal("3100000.00"))

    again = run(seeded, "portfolio", path)
    assert again.counts()["unchanged"] == 2 and again.history_rows == 0


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_targets_with_a_title_and_a_merged_two_row_header(
    seeded: sessionmaker[Session], tmp_path: Path, suffix: str
) -> None:
    rows = [
        ["FY2026 targets, exported 1 November 2026"],
        ["E-mail", "FY", "Quarter", "Weighted ACV", None, "TCV", None],
        [None, None, None, "Target", "Actual", "Target", "Actual"],
        ["tracey.bland@example.com", "FY26", "Q1", "$700,000", "$560,000", 2100000, 1700000],
        ["John Salisbury", 2027, 1, "800,000", "0", "2,400,000", "(5,000)"],
    ]
    path = write(tmp_path / f"targets{suffix}", ("Targets", rows), merge=["D2:E2", "F2:G2"])
    report = run(seeded, "targets", path)
    assert report.counts() == {"insert": 1, "update": 1, "unchanged": 0, "rejected": 0}
    assert any("header found on row 2" in note for note in report.notes)
    assert report.columns[report.sheets[0]]["weighted_acv_target"] == "Weighted ACV Target"
    target = one(seeded, select(CseCamTarget).join(User).where(
        User.email == "tracey.bland@example.com", CseCamTarget.fiscal_year == 2026,
        CseCamTarget.quarter == 1,
    ))[0]  # fmt: skip
    assert (target.weighted_acv_target, target.tcv_actual) == (700_000, 1_700_000)
    assert target.total_acv_target > 0  # not in the file: kept
    new = one(seeded, select(CseCamTarget).where(CseCamTarget.fiscal_year == 2027))[0]
    assert (new.quarter, new.tcv_actual, new.total_acv_target) == (1, -5000, 0)

    assert run(seeded, "targets", path).counts()["unchanged"] == 2


def add_deal(sessions: sessionmaker[Session], client: str, name: str, acv: int) -> None:
    with transaction(sessions) as session:
        client_id = session.scalars(select(Client.id).where(Client.name == client)).one()
        session.add(PipelineOpportunity(
            name=name, client_id=client_id, stage="propose", probability=Decimal(60),
            acv=Decimal(acv), tcv=Decimal(acv * 3), burc_match=True, burc_source_sheet="FY25",
        ))  # fmt: skip


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_burc_rows_match_deals_by_name_and_acv_and_keep_their_sheet(
    seeded: sessionmaker[Session], tmp_path: Path, suffix: str
) -> None:
    add_deal(seeded, "Barwon Health", "EMR renewal", 500_000)
    add_deal(seeded, "WA Health", "Cloud uplift", 200_000)
    first = one(seeded, select(PipelineOpportunity.external_id, Client.name).join(Client).where(
        PipelineOpportunity.external_id == "OPP-0001"
    ))  # fmt: skip
    header = ["Client", "Opportunity", "Owner", "Stage", "Probability", "ACV", "Close Date",
              "In Target", "Rats & Mice", "Opportunity ID"]  # fmt: skip
    committed = [
        header,
        # 2% of 500,000 is 10,000: just inside the tolerance.
        ["Barwon Health", "Barwon Health \u2013 EMR Renewal FY26", "tracey.bland@example.com",
         "Negotiate", "80%", "$510,000", date(2026, 12, 15), "Y", None, None],
        [first[1], "Renamed in finance", None, "Closed Won", 100, 90_000, None, "yes", "no",
         "OPP-0001"],
    ]  # fmt: skip
    pipeline = [
        header,
        # 2% of 200,000 is 4,000: just outside, so a new deal.
        ["WA Health", "WA Health - Cloud Uplift FY26", "John Salisbury", "propose", 60,
         "204,000.01", "15/03/2027", None, None, None],
    ]  # fmt: skip
    if suffix == ".csv":
        path = write(tmp_path / "BURC FY26.csv", ("", committed + pipeline[1:]))
        sheets = ("BURC FY26", "BURC FY26")
    else:
        notes = [["Finance notes: figures in AUD"]]
        path = write(tmp_path / "burc.xlsx", ("FY26 Committed", committed),
                     ("FY26 Pipeline", pipeline), ("Notes", notes))  # fmt: skip
        sheets = ("FY26 Committed", "FY26 Pipeline")
    report = run(seeded, "pipeline", path)
    assert [r.action for r in report.rows] == ["update", "update", "insert"]
    assert "EMR renewal" in (report.rows[0].note or "")
    assert "external id" in (report.rows[1].note or "")
    emr = one(seeded, select(PipelineOpportunity).where(PipelineOpportunity.name == "EMR renewal"))[
        0
    ]
    assert (emr.acv, emr.stage, emr.probability, emr.in_target) == (510_000, "negotiate", 80, True)
    assert (emr.burc_match, emr.burc_source_sheet, emr.fiscal_year, emr.quarter) == (
        True, sheets[0], 2026, 4,
    )  # fmt: skip
    new = one(seeded, select(PipelineOpportunity).where(
        PipelineOpportunity.name == "WA Health - Cloud Uplift FY26"
    ))[0]  # fmt: skip
    assert (new.acv, new.burc_match, new.burc_source_sheet) == (
        Decimal("204000.01"), True, sheets[1],
    )  # fmt: skip
    old = one(seeded, select(PipelineOpportunity).where(PipelineOpportunity.name == "Cloud uplift"))
    assert old[0].burc_match is False  # the whole workbook was read: no longer in BURC
    assert "WA Health / Cloud uplift" in {r.key for r in report.other_changes}
    assert count(seeded, PipelineOpportunity, PipelineOpportunity.burc_match) == 3

    again = run(seeded, "pipeline", path)
    assert again.counts()["unchanged"] == 3 and again.other_changes == []


def test_the_matching_rule() -> None:
    assert match_name("Barwon Health \u2013 EMR Renewal FY26", "Barwon Health") == "emr"
    assert match_name("EMR renewal", "Barwon Health") == "emr"
    assert match_name("Monash: Cloud Migration (FY25/26) Q3", "Monash") == "cloud migration"
    assert acv_agrees(Decimal(500_000), Decimal(510_000))
    assert not acv_agrees(Decimal(500_000), Decimal("510000.01"))
    assert acv_agrees(Decimal(20_000), Decimal(21_000))  # the $1,000 floor
    assert not acv_agrees(Decimal(20_000), Decimal(21_001))


# --- dry run, all or nothing ----------------------------------------------------------------


def test_a_dry_run_names_each_change_and_writes_nothing(
    seeded: sessionmaker[Session], tmp_path: Path
) -> None:
    path = write(tmp_path / "p.csv", ("", [PORTFOLIO_HEADER, BARWON, GEELONG]))
    report = run(seeded, "portfolio", path, dry_run=True)
    assert not report.written and report.history_rows == 2
    update, insert = report.rows
    assert (update.sheet, update.row, update.action) == ("p", 2, "update")
    assert update.changes["arr"] == (Decimal("2850000.00"), Decimal("3100000.00"))
    assert update.changes["renewal_date"][1] == date(2027, 12, 31)
    assert "cse" not in update.changes  # already Tracey
    assert (insert.row, insert.action, insert.changes["cse"]) == (
        3, "insert", (None, "tracey.bland@example.com"),
    )  # fmt: skip
    assert count(seeded, Client, Client.name == "Geelong Private") == 0
    assert count(seeded, ClientHealthHistory, ClientHealthHistory.recorded_on == TODAY) == 0


def test_one_bad_row_stops_the_file_unless_partial(
    seeded: sessionmaker[Session], tmp_path: Path
) -> None:
    bad = [*GEELONG[:7], 140, *GEELONG[8:]]
    bad[0] = "Bellarine Health"
    path = write(tmp_path / "p.csv", ("", [PORTFOLIO_HEADER, BARWON, bad, WESTERN]))
    report = run(seeded, "portfolio", path)
    assert report.blocked and not report.written
    assert reasons(report) == {3: "health_score ('Health Score'): '140' is above 100"}
    refusal = report.refusal()
    assert refusal is not None and "1 of 3 row(s) rejected" in refusal.message
    assert refusal.details["errors"][0]["path"] == "p row 3"
    assert one(seeded, select(Client.arr).where(Client.name == "Barwon Health"))[0] == 2_850_000

    partial = run(seeded, "portfolio", path, partial=True)
    assert partial.written and partial.refusal() is None
    assert partial.counts() == {"insert": 0, "update": 2, "unchanged": 0, "rejected": 1}
    assert one(seeded, select(Client.arr).where(Client.name == "Barwon Health"))[0] == 3_100_000


# --- problems -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        (6, "about 1.2k", "arr ('ARR'): 'about 1.2k' is not a number"),
        (6, "#REF!", "'#REF!' is an Excel error value"),
        (7, "84.5", "health_score ('Health Score'): '84.5' is not a whole number"),
        (4, "nobody@example.com", "cse: no user with e-mail 'nobody@example.com'"),
        (10, "31/02/2027", "'31/02/2027' is not a date"),
    ],
)
def test_a_bad_value_rejects_its_row_and_quotes_the_cell(
    seeded: sessionmaker[Session], tmp_path: Path, column: int, value: str, message: str
) -> None:
    row = list(GEELONG)
    row[column] = value
    path = write(tmp_path / "p.csv", ("", [PORTFOLIO_HEADER, row]))
    report = run(seeded, "portfolio", path)
    assert message in reasons(report)[2]
    assert count(seeded, Client, Client.name == "Geelong Private") == 0


def test_a_formula_without_a_cached_value_is_a_problem(
    seeded: sessionmaker[Session], tmp_path: Path
) -> None:
    row = [*GEELONG[:6], "=H2*1000", *GEELONG[7:]]
    path = write(tmp_path / "p.xlsx", ("Clients", [PORTFOLIO_HEADER, row]))
    report = run(seeded, "portfolio", path)
    assert "formula without a computed value: open and save the file in Excel" in reasons(report)[2]


def test_duplicate_rows_are_both_rejected(seeded: sessionmaker[Session], tmp_path: Path) -> None:
    path = write(tmp_path / "p.csv", ("", [PORTFOLIO_HEADER, BARWON, GEELONG, BARWON]))
    found = reasons(run(seeded, "portfolio", path))
    assert found == {
        2: "duplicate: the same client as p row 4",
        4: "duplicate: the same client as p row 2",
    }


def test_unknown_users_and_clients_are_rejected(
    seeded: sessionmaker[Session], tmp_path: Path
) -> None:
    targets = [["Email", "FY", "Q", "TCV Target"], ["ghost@example.com", 2026, 1, 100]]
    report = run(seeded, "targets", write(tmp_path / "t.csv", ("", targets)))
    assert reasons(report) == {2: "user: no user with e-mail 'ghost@example.com'"}
    deals = [["Account", "Deal", "ACV"], ["Nowhere Hospital", "EMR", 1000]]
    report = run(seeded, "pipeline", write(tmp_path / "d.csv", ("", deals)))
    assert reasons(report) == {2: "client: no client named 'Nowhere Hospital'"}


def test_missing_columns_are_one_error_naming_them(
    seeded: sessionmaker[Session], tmp_path: Path
) -> None:
    path = write(tmp_path / "p.csv", ("", [["Client Name", "Segment", "ARR"], ["X", "Y", 1]]))
    with pytest.raises(ValidationError) as raised:
        run(seeded, "portfolio", path)
    message = raised.value.message
    assert "missing required column(s): territory (territory / sales territory); region" in message
    assert message.endswith("Columns found: 'Client Name', 'Segment', 'ARR'")


def test_a_column_can_be_mapped_by_hand(seeded: sessionmaker[Session], tmp_path: Path) -> None:
    rows = [["Hospital", "Patch", "Zone", "Money"], ["Geelong Private", "VIC", "Australia+NZ", 5]]
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"territory": "Patch", "region": "Zone"}))
    overrides = column_overrides("portfolio", ["name=Hospital", "arr=money"], mapping)
    report = run(seeded, "portfolio", write(tmp_path / "p.csv", ("", rows)), overrides=overrides)
    assert report.rows[0].changes["arr"] == (None, Decimal("5.00"))
    with pytest.raises(ValidationError, match=r"unknown field.*colour"):
        column_overrides("portfolio", ["colour=Red"])
    absent = column_overrides("portfolio", ["nps=Promoters"], mapping)
    with pytest.raises(ValidationError, match=r"not found: nps='Promoters'. Columns found: 'Hosp"):
        run(seeded, "portfolio", tmp_path / "p.csv", overrides={**overrides, **absent})


def test_an_xlsx_that_is_really_a_csv_is_read_as_csv(
    seeded: sessionmaker[Session], tmp_path: Path
) -> None:
    path = write(tmp_path / "p.csv", ("", [PORTFOLIO_HEADER, GEELONG]))
    path = path.rename(tmp_path / "portfolio.xlsx")
    report = run(seeded, "portfolio", path, dry_run=True)
    assert report.format == "csv" and report.counts()["insert"] == 1
    assert "portfolio.xlsx is a CSV (text) file despite its name: read as CSV" in report.notes


def test_a_binary_file_is_refused(seeded: sessionmaker[Session], tmp_path: Path) -> None:
    path = tmp_path / "random.xlsx"
    path.write_bytes(os.urandom(4096))
    with pytest.raises(ValidationError, match=r"neither a CSV nor an Excel \.xlsx file"):
        run(seeded, "portfolio", path)


# --- the command line -----------------------------------------------------------------------


@pytest.fixture
def cli_on_test_db(
    seeded: sessionmaker[Session], db_settings: DatabaseSettings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """``chasen`` in this process, on the test database."""
    for name in ("DATABASE_URL", "CHASEN_DB_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CHASEN_DB_DATA_DIR", str(db_settings.data_dir))
    monkeypatch.setenv("CHASEN_DB_NAME", db_settings.name)
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def chasen(monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    monkeypatch.setattr(sys, "argv", ["chasen", *args])
    entry = typer.Typer()
    entry.command()(main)
    return CliRunner().invoke(entry, [])


def test_the_command_exits_4_on_a_bad_file_and_imports_with_partial(
    cli_on_test_db: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bad = [*WESTERN[:6], "lots"]
    path = write(tmp_path / "portfolio.csv", ("", [PORTFOLIO_HEADER, GEELONG, bad]))
    result = chasen(monkeypatch, "import", "portfolio", str(path))
    assert result.exit_code == 4, result.output
    assert "Rows: 1 insert, 0 update, 0 unchanged, 1 rejected" in " ".join(result.stdout.split())
    assert "1 of 2 row(s) rejected, so nothing was written" in " ".join(result.stderr.split())
    assert "portfolio row 3: Western Health: arr ('ARR'): 'lots' is not a number" in result.stderr

    result = chasen(monkeypatch, "import", "portfolio", str(path), "--partial", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["written"] and report["counts"]["insert"] == 1
    assert report["rows"][1]["reasons"] == ["arr ('ARR'): 'lots' is not a number"]
