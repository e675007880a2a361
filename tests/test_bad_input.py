"""Bad input gets a quarantine row with a reason or one clear error line,
never a silent drop, a traceback or a wrong number."""

from __future__ import annotations

import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import build, supportwh


@pytest.fixture(scope="module")
def drifted_export(foreign_export, tmp_path_factory):
    """The foreign export plus a later file written by a tool that types every
    column as text, with one unparseable timestamp and one unparseable score."""
    raw = tmp_path_factory.mktemp("drift") / "raw"
    shutil.copytree(foreign_export, raw)
    tickets = pa.table(
        {
            "ticket_id": ["TXT-1", "TXT-2"],
            "customer_id": ["C0000001", "C0000001"],
            "channel": ["chat", "email"],
            "created_at": ["2026-03-02 10:00:00", "yesterday afternoon"],
            "closed_at": ["2026-03-02 10:30:00", None],
            "intent": ["order_status", "order_status"],
            "product_id": [None, None],
            "bot_attempted": ["true", "false"],
            "outcome": ["bot_resolved", "human_only"],
            "bot_version": ["v1", None],
            "model_confidence": ["0.8", None],
            "model_csat_score": ["4.5", None],
            "bot_handle_seconds": ["120", None],
            "agent_handle_seconds": [None, "300"],
            "updated_at": ["2026-03-02 11:00:00", "2026-03-02 11:00:00"],
        }
    )
    pq.write_table(tickets, raw / "tickets" / "text-typed.parquet")
    surveys = pa.table(
        {
            "survey_id": ["SV-TXT-1"],
            "ticket_id": ["TXT-1"],
            "survey_type": ["resolution"],
            "channel": ["chat"],
            "sent_at": ["2026-03-02 10:30:00"],
            "responded_at": ["2026-03-02 12:00:00"],
            "scale": ["five_point"],
            "score": ["five"],
            "comment": [None],
            "updated_at": ["2026-03-02 12:00:00"],
        }
    )
    pq.write_table(surveys, raw / "surveys" / "text-typed.parquet")
    return raw


def test_text_typed_columns_are_cast_and_unparseable_values_quarantined(
    drifted_export, tmp_path_factory
):
    built = build(
        drifted_export, tmp_path_factory.mktemp("drift_build"), "--deployed-at", "2026-02-02"
    )
    quarantined = built.query(
        "select table_name, record_key, reason, reason_detail from staging.stg_quarantine "
        "order by table_name"
    )
    assert quarantined == [
        ("surveys", "SV-TXT-1", "invalid_type", "score=five"),
        ("tickets", "TXT-2", "invalid_type", "created_at=yesterday afternoon"),
    ]
    # the well-formed text row is typed and staged like any other
    assert built.query(
        "select bot_attempted, model_confidence, bot_handle_seconds, created_at::varchar "
        "from staging.stg_tickets where ticket_id = 'TXT-1'"
    ) == [(True, 0.8, 120, "2026-03-02 10:00:00")]
    assert built.query(
        "select count(*) from staging.stg_row_reconciliation "
        "where raw_rows <> staged_rows + quarantined_rows + exact_duplicate_rows + superseded_rows"
    ) == [(0,)]


def test_missing_required_table_is_one_clear_error(foreign_export, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(foreign_export, raw, ignore=shutil.ignore_patterns("escalations"))
    result = supportwh(
        "build",
        "--raw-path",
        str(raw),
        "--duckdb-path",
        str(tmp_path / "w.duckdb"),
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 1
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("supportwh:")]
    assert len(error_lines) == 1
    assert "raw table 'escalations' not found" in error_lines[0]
    assert "required by the raw contract" in error_lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_missing_raw_folder_is_one_clear_error(tmp_path):
    result = supportwh("build", "--raw-path", str(tmp_path / "nowhere"), check=False, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"supportwh: error: raw folder {tmp_path / 'nowhere'} does not exist: run "
        f"`supportwh generate --out {tmp_path / 'nowhere'}` or point --raw-path at an export"
    )


def test_unknown_scenario_is_one_clear_error(tmp_path):
    result = supportwh(
        "generate",
        "--out",
        str(tmp_path / "raw"),
        "--scenario",
        "meteor_strike",
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("supportwh: error: unknown scenario meteor_strike; choose from")
    assert not (tmp_path / "raw").exists()


def test_quarantine_command_on_a_missing_warehouse(tmp_path):
    result = supportwh(
        "quarantine", "--duckdb-path", str(tmp_path / "none.duckdb"), check=False, cwd=tmp_path
    )
    assert result.returncode == 1
    assert "no warehouse at" in result.stderr and "run `supportwh build` first" in result.stderr
