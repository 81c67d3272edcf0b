"""`python -m local` (what `make dev` runs), as a developer uses it: start it, read what it
prints and writes to dev.json, call the API with the printed token, Ctrl-C, start again.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
READY_GUARD_S = 120  # only a guard against hanging forever; startup takes seconds

pytestmark = pytest.mark.slow


class DevStack:
    def __init__(self, data_dir: Path, logs: Path):
        self.data_dir = data_dir
        self.stdout_path = logs / "stdout.txt"
        self.stderr_path = logs / "stderr.txt"
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PORT")}
        self._stdout = self.stdout_path.open("w")
        self._stderr = self.stderr_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local", "--port", "0", "--data-dir", str(data_dir)],
            cwd=REPO,
            env=env,
            stdout=self._stdout,
            stderr=self._stderr,
        )
        self.info = self._wait_ready()

    def _wait_ready(self) -> dict:
        dev_json = self.data_dir / "dev.json"
        deadline = time.monotonic() + READY_GUARD_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"python -m local exited with {self.process.returncode}:\n{self.stderr_path.read_text()[-4000:]}")
            if dev_json.exists():
                info = json.loads(dev_json.read_text())
                if info.get("pid") == self.process.pid:
                    return info
            time.sleep(0.1)
        self.kill()
        pytest.fail(f"python -m local did not become ready:\n{self.stderr_path.read_text()[-4000:]}")

    def get(self, path: str, token: str | None = None) -> tuple[int, dict]:
        request = urllib.request.Request(self.info["api_url"] + path)
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            with error:
                return error.code, json.loads(error.read())

    def interrupt(self) -> int:
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=60)
        finally:
            self._stdout.close()
            self._stderr.close()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        self._stdout.close()
        self._stderr.close()


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
