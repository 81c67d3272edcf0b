"""`python -m local` (what `make dev` runs), as a developer uses it: start it, read what it
prints and writes to dev.json, call the API with the printed token, Ctrl-C, start again.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.fixtures.dev_stack import REPO, DevStack

pytestmark = pytest.mark.slow


@pytest.fixture
def dev_dirs(tmp_path):
    data_dir = tmp_path / "data"
    logs = tmp_path / "logs"
    logs.mkdir()
    stacks: list[DevStack] = []
    yield data_dir, logs, stacks
    for stack in stacks:  # never leave a process behind, whatever failed
        stack.kill()


def test_make_dev_serves_the_seeded_demo_stops_cleanly_and_restarts_on_the_same_data(dev_dirs):
    data_dir, logs, stacks = dev_dirs
    first = DevStack(data_dir, logs)
    stacks.append(first)
    info = first.info

    for key in (
        "api_url", "aws_endpoint_url", "region", "user_pool_id", "user_pool_client_id", "admin_username",
        "admin_password", "token", "tenant_id", "event_id", "card_urls", "database_url",
    ):
        assert info.get(key), key
    assert info["api_url"].startswith("http://127.0.0.1:")
    assert len(info["card_urls"]) == 4
    assert all(url.startswith(info["api_url"] + "/c/") for url in info["card_urls"])

    status, body = first.get("/health")
    assert status == 200, body
    assert body["data"]["status"] == "ok"

    status, body = first.get("/api/v1/admin/events", token=info["token"])
    assert status == 200, body
    assert [event["event_id"] for event in body["data"]] == [info["event_id"]]
    assert body["data"][0]["slug"] == "demo-summit"

    status, body = first.get("/api/v1/admin/events")
    assert status == 401
    assert body["error"]["code"] == "UNAUTHORIZED"

    # What the banner says is what dev.json says; `python -m local.token` mints a working token.
    banner = first.stdout_path.read_text()
    assert info["api_url"] in banner and info["token"] in banner
    # The console: its URL in the banner and dev.json, with the credentials to sign in there.
    assert info["console_url"] == info["api_url"] + "/admin/"
    assert f"Console        {info['console_url']}" in banner
    assert info["admin_username"] in banner and info["admin_password"] in banner
    status, config = first.get("/admin/config.json")
    assert status == 200
    assert (config["userPoolId"], config["userPoolClientId"]) == (info["user_pool_id"], info["user_pool_client_id"])
    fresh = subprocess.run(
        [sys.executable, "-m", "local.token", "--data-dir", str(data_dir)], cwd=REPO, capture_output=True, text=True, timeout=60, check=True
    ).stdout.strip()
    status, _ = first.get("/api/v1/admin/events", token=fresh)
    assert status == 200

    assert first.interrupt() == 0, first.stderr_path.read_text()[-4000:]
    assert not (data_dir / "pgdata" / "postmaster.pid").exists()  # PostgreSQL was stopped
    assert not (data_dir / "dev.json").exists()  # no stale settings for scripts

    # A second start reuses the data and does not seed twice.
    second = DevStack(data_dir, logs)
    stacks.append(second)
    assert second.info["event_id"] == info["event_id"]
    assert second.info["admin_password"] == info["admin_password"]
    assert second.info["card_urls"] != [] and [u.rsplit("/", 1)[1] for u in second.info["card_urls"]] == [
        u.rsplit("/", 1)[1] for u in info["card_urls"]
    ]
    status, body = second.get("/api/v1/admin/events", token=second.info["token"])
    assert status == 200, body
    assert [event["event_id"] for event in body["data"]] == [info["event_id"]]
    assert second.interrupt() == 0, second.stderr_path.read_text()[-4000:]
    assert not (data_dir / "pgdata" / "postmaster.pid").exists()


def test_a_port_in_use_is_reported_and_nothing_is_left_running(tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PORT")}
        result = subprocess.run(
            [sys.executable, "-m", "local", "--port", str(port), "--data-dir", str(tmp_path / "data")],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
        )
    assert result.returncode == 1, result.stderr[-4000:]
    assert f"port {port}" in result.stderr and "in use" in result.stderr
    assert not (tmp_path / "data" / "pgdata").exists()  # failed before starting PostgreSQL
