"""Discord faults injected by the emulator (tests/emulator/faults.py) into a running bot: the gateway
closing mid-command, an invalid session, REST 5xx, lost answers and timeouts on sends and edits, 429
storms, lost channel permissions, an interaction token expiring during a long job, and a storm of refused
sends. Each scenario lives in tests/faults/scenarios.py (bench/reliability.py runs them larger)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults import scenarios


def _clean(row: dict[str, object]) -> None:
    assert row["lost"] == 0, row
    assert row["doubled"] == 0, {k: v for k, v in row.items() if k != "result"}
    assert row["violations"] == [], row["violations"]


async def test_gateway_closing_mid_command_resumes_and_answers_once(tmp_path: Path) -> None:
    row = await scenarios.gateway_close_mid_command(tmp_path, rounds=4)
    _clean(row)
    assert row["injected"] == 4
    assert row["resumes"] == 4  # every close was resumed, none needed a new IDENTIFY
    assert row["identifies"] == 1
    assert row["problems"] == []


async def test_invalid_session_identifies_again_and_keeps_answering(tmp_path: Path) -> None:
    row = await scenarios.invalid_session(tmp_path, rounds=2)
    _clean(row)
    assert row["identifies"] == 3
    assert row["problems"] == []


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_digest_sends_survive_server_errors(tmp_path: Path, status: int) -> None:
    row = await scenarios.digest_sends_under_fault(tmp_path, "error", status=status, times=3)
    _clean(row)
    assert row["injected"] == 3
    assert row["statuses"] == {status: 3, 200: 6}  # six digests, each created once
    assert row["invalid_answers"] == 0


@pytest.mark.parametrize("fault", ["delay", "drop"])
async def test_digest_sends_without_an_answer_are_resent_with_their_nonce(tmp_path: Path, fault: str) -> None:
    """The message exists but the bot never saw the answer (its send timeout fired, or the connection
    dropped): the resend carries the same nonce, so Discord returns the first message."""
    row = await scenarios.digest_sends_under_fault(tmp_path, fault, times=3)
    _clean(row)
    assert row["injected"] == 3
    assert row["problems"] and all("will retry" in p for p in row["problems"])


@pytest.mark.parametrize("fault", ["storm", "global"])
async def test_429_storms_are_waited_out_and_counted(tmp_path: Path, fault: str) -> None:
    row = await scenarios.digest_sends_under_fault(tmp_path, fault, times=15)
    _clean(row)
    assert row["injected"] == 15
    assert row["invalid_answers"] == 15
    budget = row["budget"]
    assert isinstance(budget, dict) and budget["refused_total"] == 15 and budget["by_status"] == {429: 15}


@pytest.mark.parametrize("status", [502, 503])
async def test_interaction_edit_failing_is_retried_or_explained(tmp_path: Path, status: int) -> None:
    row = await scenarios.followup_under_fault(tmp_path, status, times=1)
    _clean(row)
    assert row["reply"] == "Topic #1: posted."  # discord.py's webhook adapter retries 5xx


async def test_interaction_edit_failing_every_time_gets_a_clear_message(tmp_path: Path) -> None:
    row = await scenarios.followup_under_fault(tmp_path, 503, times=5)
    _clean(row)
    assert isinstance(row["reply"], str) and row["reply"].startswith("Discord had a temporary problem")
    assert row["problems"] == []  # no traceback, no "something went wrong"


@pytest.mark.parametrize(
    ("what", "reason"),
    [
        ("send", "missing permission to post in the channel (Send Messages)"),
        ("view", "I can't see the channel (View Channel permission missing)"),
    ],
)
async def test_lost_channel_permission_pauses_tells_admins_once_and_resumes(
    tmp_path: Path, what: str, reason: str
) -> None:
    row = await scenarios.permission_lost(tmp_path, what, topics=3, later_hours=3)
    _clean(row)
    assert row["reasons"] == [reason]
    assert row["refused_first"] == 3  # one refused send per topic
    assert row["refused_later"] == 0  # nothing retried while paused
    notices = row["notices"]
    assert isinstance(notices, list) and len(notices) == 1 and reason in notices[0]
    assert row["digests_after_resume"] == 3


async def test_storm_of_refused_sends_does_not_spiral(tmp_path: Path) -> None:
    row = await scenarios.refused_storm(tmp_path, topics=80, hours=4)
    assert row["invalid_answers"] == 80  # exactly one refusal per topic in four hours
    assert row["bot_counted"] == 80  # the bot's own budget saw each of them
    assert row["notices"] == 4  # one per channel
    assert row["violations"] == []


async def test_long_job_outliving_its_token_reports_in_the_channel(tmp_path: Path) -> None:
    # enough articles that the job surely outlives the shrunk token (a fast machine ingests 30 in 0.3 s)
    row = await scenarios.token_expires_during_job(tmp_path, articles=100, ttl=0.3)
    _clean(row)
    assert row["expired_calls"] == 0  # the bot stopped using the token before Discord refused it
    result = row["result"]
    assert isinstance(result, dict)
    assert result["content"].endswith("ingest of archive.jsonl.gz: finished.")
    assert result["embeds"][0]["title"] == "Ingested 100 of 100"
    assert not result["flags"] & 64  # a channel message, not the (expired) interaction's ephemeral followup
    assert row["result_mentions"] == {"parse": []}  # names the person without pinging
    assert row["progress"] == 1  # one progress message in the channel, edited as the job went on
    assert row["problems"] == []
