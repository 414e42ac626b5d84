"""The ``chasen`` command as a user runs it: real processes on the test run's embedded server.

Every call is a new process that joins the embedded PostgreSQL the tests already run (same data
folder), in a database of this module's own that the CLI creates and migrates by itself.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from sqlalchemy import Engine, create_engine, text

from core.embedded import start_embedded
from tests.factories import SEEDED_TABLES

TIMEOUT_S = 120
DEMO_CSES = {"Tracey Bland", "John Salisbury", "Laura Messing", "Open Role"}
DEMO_CAMS = {"Anu Pradhan", "Nikki Wei"}


def chasen_executable() -> str:
    """The installed ``chasen`` console script (next to this Python when not on PATH)."""
    found = shutil.which("chasen") or str(Path(sys.executable).parent / "chasen")
    assert Path(found).exists(), f"the chasen console script is not installed ({found})"
    return found


class Cli:
    """Runs ``chasen`` in a fresh process against this module's database."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.executable = chasen_executable()
        self.env = env
        self.cwd = cwd

    def __call__(self, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.executable, *args],
            env={**self.env, **extra_env},
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )

    def ok(self, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        """Run and insist on success."""
        result = self(*args, **extra_env)
        assert result.returncode == 0, f"chasen {' '.join(args)}: {result.stderr}"
        assert "Traceback" not in result.stderr
        return result

    def json(self, *args: str) -> Any:
        """Run with ``--json`` and parse stdout."""
        return json.loads(self.ok(*args, "--json").stdout)


def one_line(stream: str) -> str:
    """Text with rich's line wrapping undone, for matching messages."""
    return " ".join(stream.split())


def rows_added(output: str) -> dict[str, int]:
    """The ``table | rows`` pairs of seed-demo's report table."""
    return {
        table: int(count)
        for table, count in re.findall(r"^\W*([a-z_]+)\W+(\d+)\W*$", output, flags=re.MULTILINE)
    }


def assert_failed_cleanly(result: subprocess.CompletedProcess[str], code: int) -> str:
    """Exit ``code``, an ``error:`` line on stderr and no traceback; return stderr on one line."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert "error:" in result.stderr
    return one_line(result.stderr)


@pytest.fixture(scope="module")
def cli(
    engine: Engine, pg_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cli]:
    """The CLI on a database of this module's own, seeded once with ``chasen seed-demo``.

    Depending on ``engine`` keeps the test run's embedded server up, so the CLI processes join
    it rather than each starting and stopping their own.
    """
    name = f"cli_{uuid.uuid4().hex[:12]}"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CHASEN_DB_URL"}}
    env.update(
        CHASEN_DB_DATA_DIR=str(pg_data_dir),
        CHASEN_DB_NAME=name,
        COLUMNS="200",
        NO_COLOR="1",
    )
    env.pop("FORCE_COLOR", None)
    # Not the project folder, so that no developer's .env is read.
    runner = Cli(env, cwd=tmp_path_factory.mktemp("cli_cwd"))
    first = runner.ok("seed-demo")
    added = rows_added(first.stdout)
    assert set(added) == set(SEEDED_TABLES), first.stdout
    assert all(count > 0 for count in added.values()), added
    yield runner
    admin = create_engine(engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


# --- help ----------------------------------------------------------------------------------


def test_help_lists_the_sub_commands(cli: Cli) -> None:
    output = cli.ok("--help").stdout
    for command in ("db", "users", "clients", "plans", "demo", "seed-demo"):
        assert re.search(rf"^\W*{re.escape(command)}\s", output, flags=re.MULTILINE), command

    plans = cli.ok("plans", "--help").stdout
    assert re.search(r"^\W*list\s+List plans", plans, flags=re.MULTILINE), plans
    assert re.search(r"^\W*show\s+Show one plan", plans, flags=re.MULTILINE), plans


# --- seeding and listing -------------------------------------------------------------------


def test_seeding_again_adds_nothing(cli: Cli) -> None:
    again = cli.ok("seed-demo")
    assert rows_added(again.stdout) == dict.fromkeys(SEEDED_TABLES, 0), again.stdout


def test_users_list_has_the_demo_cses_and_cams(cli: Cli) -> None:
    users = cli.json("users", "list")
    by_role: dict[str, set[str]] = {}
    for user in users:
        by_role.setdefault(user["role"], set()).add(user["name"])
    assert by_role["CSE"] >= DEMO_CSES
    assert by_role["CAM"] >= DEMO_CAMS


def test_clients_list_filters_by_territory(cli: Cli) -> None:
    clients = cli.json("clients", "list", "--territory", "WA")
    assert clients
    assert {c["territory"] for c in clients} == {"WA"}
    assert "WA Health" in {c["name"] for c in clients}


# --- adding people and clients -------------------------------------------------------------


def test_users_add_stores_a_lower_case_email_and_refuses_duplicates(cli: Cli) -> None:
    tag = uuid.uuid4().hex[:8]
    email = f"Pat.Quinn.{tag}@Example.COM"
    added = cli.json("users", "add", "--name", "Pat Quinn", "--email", email, "--role", "CSE")
    assert added["email"] == email.lower()

    duplicate = cli(
        "users", "add", "--name", "Pat Again", "--email", email.upper(), "--role", "CAM"
    )
    assert "already exists" in assert_failed_cleanly(duplicate, 5)

    bad_role = cli(
        "users", "add", "--name", "Wiz", "--email", f"wiz.{tag}@example.com", "--role", "wizard"
    )
    assert "role" in assert_failed_cleanly(bad_role, 4)

    users = cli.json("users", "list")
    emails = [u["email"] for u in users]
    assert emails.count(email.lower()) == 1
    assert next(u for u in users if u["email"] == email.lower())["name"] == "Pat Quinn"
    assert f"wiz.{tag}@example.com" not in emails


def test_clients_add_with_an_unknown_cse_adds_nothing(cli: Cli) -> None:
    name = f"Nowhere Health {uuid.uuid4().hex[:8]}"
    result = cli(
        "clients",
        "add",
        "--name",
        name,
        "--territory",
        "VIC",
        "--region",
        "Australia+NZ",
        "--cse",
        "nobody@example.com",
    )
    assert "No user with e-mail" in assert_failed_cleanly(result, 3)
    assert name not in {c["name"] for c in cli.json("clients", "list")}


# --- plans ---------------------------------------------------------------------------------


def test_plans_show_unknown_id_and_malformed_id(cli: Cli) -> None:
    missing = cli("plans", "show", str(uuid.uuid4()))
    assert "No plan with id" in assert_failed_cleanly(missing, 3)

    malformed = cli("plans", "show", "not-a-uuid")
    assert malformed.returncode == 2  # click's usage error
    assert "Traceback" not in malformed.stderr


def demo_plans(cli: Cli) -> tuple[dict[str, Any], dict[str, Any], int]:
    """The demo's account and territory plans, and how many plans there are in all."""
    plans = cli.json("plans", "list")
    accounts = [
        p for p in plans if p["plan_type"] == "account" and p["client_name"] == "Barwon Health"
    ]
    territories = [
        p for p in plans if p["plan_type"] == "territory" and p["territory"] == "VIC + NZ"
    ]
    assert len(accounts) == 1, plans
    assert len(territories) == 1, plans
    return accounts[0], territories[0], len(plans)


def test_demo_builds_two_filled_plans_and_a_rerun_changes_nothing(cli: Cli) -> None:
    first = cli.ok("demo")
    output = one_line(first.stdout)
    assert "Barwon Health" in output
    assert "VIC + NZ" in output
    assert re.search(r"\b\d{1,3}% complete", output), first.stdout

    account, territory, count = demo_plans(cli)
    for plan in (account, territory):
        assert plan["version"] > 1  # filled after creation
        assert plan["status"] == "draft"
    assert territory["completion_percentage"] == 50  # the data sections, filled from data
    # The account plan is ChaSen's approved draft: relationships, actions and review too.
    assert account["completion_percentage"] > 50
    assert "Waiting for" in output or "waiting for" in output
    assert "approved by Anu Pradhan" in output

    cli.ok("demo")

    account_again, territory_again, count_again = demo_plans(cli)
    assert count_again == count
    assert (account_again["id"], account_again["version"]) == (account["id"], account["version"])
    assert (territory_again["id"], territory_again["version"]) == (
        territory["id"],
        territory["version"],
    )


# --- configuration -------------------------------------------------------------------------


def test_unreachable_database_url_is_one_clear_error(cli: Cli) -> None:
    result = cli("users", "list", DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
    assert "DATABASE_URL" in assert_failed_cleanly(result, 7)


def test_chasen_db_upgrade_migrates_a_database_url_that_is_behind(
    cli: Cli, pg_data_dir: Path
) -> None:
    url = start_embedded(pg_data_dir, f"behind_{uuid.uuid4().hex[:8]}")
    refused = cli("users", "list", DATABASE_URL=url)
    assert "chasen db upgrade" in assert_failed_cleanly(refused, 8)
    assert "revision none" in cli.ok("db", "current", DATABASE_URL=url).stdout
    cli.ok("db", "upgrade", DATABASE_URL=url)
    assert cli.ok("users", "list", DATABASE_URL=url).returncode == 0


# --- transcripts, stakeholders, search ------------------------------------------------------

DEMO_TRANSCRIPTS = Path(__file__).resolve().parents[1] / "ingest" / "demo_transcripts"
EASTERN = DEMO_TRANSCRIPTS / "eastern-health_2026-09-22.srt"


def test_ingest_a_transcript_then_again_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    transcript = tmp_path / f"eastern-check-in_2026-11-02_{uuid.uuid4().hex[:6]}.srt"
    transcript.write_text(EASTERN.read_text() + "\n31\n00:09:00,000 --> 00:09:04,000\n"
                          f"Tracey Bland: Reference {uuid.uuid4().hex}.\n")  # fmt: skip
    first = cli.json("ingest", "transcript", str(transcript), "--client", "Eastern Health")
    [report] = first["ingested"]
    assert report["status"] == "ingested"
    assert report["held_on"] == "2026-11-02"  # from the file name
    assert report["chunks"] > 0 and first["failed"] == []
    again = cli.json("ingest", "transcript", str(transcript), "--client", "eastern health")
    assert again["ingested"][0]["status"] == "unchanged"
    assert again["ingested"][0]["meeting_id"] == report["meeting_id"]


def test_stakeholders_json_lists_people_with_evidence(cli: Cli) -> None:
    cli.ok("ingest", "transcript", str(EASTERN), "--client", "Eastern Health")
    people = {p["name"]: p for p in cli.json("stakeholders", "--client", "Eastern Health")}
    helen = people["Helen Marsh"]
    assert helen["side"] == "customer"
    assert helen["organisation"] == "Eastern Health"
    assert "Chief Financial Officer" in helen["title"]
    assert helen["meddpicc_role"] in {"blocker", "economic_buyer"}
    assert 0 < helen["confidence"] <= 1
    assert helen["evidence"], helen
    for quote in helen["evidence"]:
        assert set(quote) >= {"meeting", "speaker", "start", "quote"}
        assert re.search(r"\(2026-\d\d-\d\d\)$", quote["meeting"]), quote
    assert people["Tracey Bland"]["side"] == "internal"


def test_search_returns_passages_with_meeting_and_speakers(cli: Cli) -> None:
    cli.ok("ingest", "transcript", str(EASTERN), "--client", "Eastern Health")
    hits = cli.json("search", "pathology interface", "--client", "Eastern Health", "--limit", "3")
    assert hits and all(h["client"] == "Eastern Health" for h in hits)
    assert "pathology" in hits[0]["text"].lower()
    # The file's date, or the demo's copy of it moved to the demo's "today".
    assert re.fullmatch(r"2\d{3}-\d\d-\d\d", hits[0]["date"]) and hits[0]["speakers"]


def test_bad_transcripts_fail_cleanly_and_the_good_ones_still_land(
    cli: Cli, tmp_path: Path
) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "a_empty.txt").write_bytes(b"")
    (folder / "b_binary.vtt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(4000))
    good = folder / "c_good.txt"
    good.write_text("Helen Marsh: The renewal needs a better price.\nTracey Bland: Understood.\n")
    result = cli("ingest", "transcript", str(folder), "--client", "Eastern Health", "--json")
    assert result.returncode == 4, result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert [r["title"] for r in report["ingested"]] == ["c_good"]
    failed = {Path(f["file"]).name: f["error"] for f in report["failed"]}
    assert failed == {
        "a_empty.txt": "the transcript is empty",
        "b_binary.vtt": "this looks like a binary file, not a transcript",
    }


def test_unknown_clients_and_missing_files_are_clear_errors(cli: Cli, tmp_path: Path) -> None:
    unknown = cli("ingest", "transcript", str(EASTERN), "--client", "Nowhere Health")
    assert "No client named 'Nowhere Health'" in assert_failed_cleanly(unknown, 3)
    missing = cli("ingest", "transcript", str(tmp_path / "nope.vtt"), "--client", "Eastern Health")
    assert "no such file or folder" in assert_failed_cleanly(missing, 4)
    stakeholders = cli("stakeholders", "--client", "Nowhere Health")
    assert "No client named 'Nowhere Health'" in assert_failed_cleanly(stakeholders, 3)
    bad_date = cli(
        "ingest", "transcript", str(EASTERN), "--client", "Eastern Health", "--date", "22/9"
    )
    assert "--date must be a date like 2026-10-14" in assert_failed_cleanly(bad_date, 4)


# --- churn risk and digests ----------------------------------------------------------------


def test_risk_score_show_and_a_digest_dry_run(cli: Cli, tmp_path: Path) -> None:
    month_ago = (date.today() - timedelta(days=30)).isoformat()
    cli.ok("risk", "score", "--as-of", month_ago)
    scored = cli.json("risk", "score", "--json")
    assert "scorecard" in scored["model"]
    assert sum(scored["counts"].values()) == len(scored["clients"]) > 0
    worst = scored["clients"][0]
    assert worst["band"] in {"high", "critical"} and worst["reasons"]

    shown = cli.json("risk", "show", "--client", worst["client"], "--json")
    assert shown["band"] == worst["band"]
    assert [r["text"] for r in shown["reasons"]] == worst["reasons"]

    chart = tmp_path / "risk.png"
    digest = cli.ok(
        "digest",
        "--owner",
        "anu.pradhan@example.com",
        "--dry-run",
        "--since",
        month_ago,
        "--until",
        date.today().isoformat(),
        "--chart",
        str(chart),
    ).stdout
    assert digest.startswith("# Risk digest: your clients")
    assert "Portfolio:" in digest
    assert chart.read_bytes().startswith(b"\x89PNG")
    blocks = json.loads(
        cli.ok(
            "digest", "--owner", "anu.pradhan@example.com", "--dry-run", "--format", "blocks"
        ).stdout
    )["blocks"]
    assert blocks[0]["type"] == "header"


def test_digest_and_risk_errors_are_clear(cli: Cli) -> None:
    unknown = cli("digest", "--owner", "nobody@example.com", "--dry-run")
    assert "no user with e-mail nobody@example.com" in assert_failed_cleanly(unknown, 3)
    bad_cron = cli("digest", "schedule", "--user", "anu.pradhan@example.com", "--cron", "every day")
    assert "not a valid cron expression" in assert_failed_cleanly(bad_cron, 4)
    bad_zone = cli(
        "digest", "schedule", "--user", "anu.pradhan@example.com", "--timezone", "Mars/Olympus"
    )
    assert "unknown time zone 'Mars/Olympus'" in assert_failed_cleanly(bad_zone, 4)
    no_destination = cli(
        "digest", "--owner", "anu.pradhan@example.com", SLACK_BOT_TOKEN="xoxb-test"
    )
    assert "no Slack destination" in assert_failed_cleanly(no_destination, 9)
    (failed,) = cli.json("digest", "status", "--json")
    assert failed["status"] == "failed" and "no Slack destination" in failed["last_error"]
    too_little = cli("risk", "train")
    assert "too little labelled history" in assert_failed_cleanly(too_little, 4)


# --- the agent ----------------------------------------------------------------------------


def test_chat_answers_one_message_offline(cli: Cli) -> None:
    result = cli.ok("chat", "--user", "anu.pradhan@example.com", "Churn risk for Barwon Health")
    output = one_line(result.stdout)
    assert "Barwon Health" in output and "offline" in output


def test_a_draft_waits_until_decided_and_is_decided_once(cli: Cli) -> None:
    user = ("--user", "anu.pradhan@example.com")
    drafted = one_line(cli.ok("draft", *user, "--client", "Western Health").stdout)
    assert "Waiting for a decision" in drafted
    [waiting] = [d for d in cli.json("approvals", *user) if d["kind"] == "plan_draft"]
    thread, interrupt = waiting["thread_id"], waiting["interrupt_id"]

    accepted = cli.ok("decide", *user, thread, interrupt, "accept")
    assert "Written" in one_line(accepted.stdout)
    assert cli.json("approvals", *user) == []
    plans = cli.json("plans", "list", "--type", "account")
    assert any(p["client_name"] == "Western Health" for p in plans)

    again = cli("decide", *user, thread, interrupt, "accept")
    assert "already made" in assert_failed_cleanly(again, 5)


def test_chat_refuses_an_unknown_user(cli: Cli) -> None:
    result = cli("chat", "--user", "nobody@example.com", "hello")
    assert "nobody@example.com" in assert_failed_cleanly(result, 3)


def test_token_is_signed_for_the_user(cli: Cli) -> None:
    secret = "a-development-secret-of-enough-length"
    result = cli("token", "--user", "anu.pradhan@example.com", "--ttl", "120",
                 CHASEN_API_JWT_SECRET=secret)  # fmt: skip
    assert result.returncode == 0, result.stderr
    claims = jwt.decode(result.stdout.strip(), secret, algorithms=["HS256"])
    assert claims["email"] == "anu.pradhan@example.com"
    assert 0 < claims["exp"] - claims["iat"] <= 120
    unknown = cli("token", "--user", "nobody@example.com", CHASEN_API_JWT_SECRET=secret)
    assert "nobody" in assert_failed_cleanly(unknown, 3)


def test_slack_points_to_http_mode_and_socket_mode_needs_an_app_token(cli: Cli) -> None:
    http = assert_failed_cleanly(cli("slack"), 9)
    assert "/slack/events" in http and "--socket" in http
    socket = assert_failed_cleanly(cli("slack", "--socket", SLACK_APP_TOKEN=""), 9)
    assert "SLACK_APP_TOKEN" in socket and "xapp-" in socket
