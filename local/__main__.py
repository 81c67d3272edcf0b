"""`python -m local` (what `make dev` runs): the whole product on 127.0.0.1 until Ctrl-C.

Starts the embedded PostgreSQL (data in .local/pgdata, kept across restarts) or uses
DATABASE_URL, applies the migrations, starts moto with the resources of the route table,
seeds the demo tenant, prints the API URL, an admin token and the demo card URLs, writes
them to .local/dev.json, and serves until Ctrl-C (or SIGTERM), then stops cleanly.
"""

from __future__ import annotations

import argparse
import errno
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

from local.config import DEFAULT_DATA_DIR, LocalConfig, ensure_code_paths


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local", description="Run OutreachPass locally (no AWS account, no Docker).")
    parser.add_argument("--port", type=int, default=None, help="HTTP port on 127.0.0.1 (default: $PORT or 8000; 0 = any free port)")
    parser.add_argument("--data-dir", type=Path, default=None, help=f"where data and state live (default: {DEFAULT_DATA_DIR})")
    parser.add_argument("--no-seed", action="store_true", help="do not create the demo tenant")
    parser.add_argument("--no-workers", action="store_true", help="do not poll the SQS queues")
    parser.add_argument(
        "--cors-origin", action="append", default=None, metavar="ORIGIN",
        help="a browser origin allowed to call the API (repeatable; default: $CORS_ORIGINS, comma-separated; none)",
    )
    parser.add_argument("--log-level", default=os.environ.get("LOG_LEVEL", "INFO"), help="log level of the local stack (default: INFO)")
    return parser.parse_args(argv)


def build_config(args: argparse.Namespace) -> LocalConfig:
    port = args.port if args.port is not None else int(os.environ.get("PORT", "8000"))
    origins = args.cors_origin if args.cors_origin is not None else os.environ.get("CORS_ORIGINS", "").split(",")
    return LocalConfig(
        cors_origins=tuple(origin.strip().rstrip("/") for origin in origins if origin.strip()),
        data_dir=(args.data_dir or DEFAULT_DATA_DIR).resolve(),
        port=port,
        database_url=os.environ.get("DATABASE_URL") or None,
        seed=not args.no_seed,
        background_workers=not args.no_workers,
    )


def banner(info: dict, dev_json: Path, elapsed_s: float) -> str:
    lines = [
        "",
        "=" * 78,
        f"  OutreachPass local stack is up ({elapsed_s:.1f} s)",
        "=" * 78,
        f"  Console        {info['console_url']}",
        f"  API            {info['api_url']}",
        f"  API reference  {info['docs_url']}",
        f"  Health         {info['api_url']}/health",
        f"  AWS (moto)     {info['aws_endpoint_url']}   region {info['region']}",
        f"  User pool      {info['user_pool_id']}   client {info['user_pool_client_id']}",
        f"  Mail (SES)     {info['mail_url']}",
        f"  Settings       {dev_json}",
    ]
    if info.get("token"):
        lines += [
            "",
            f"  Demo admin     {info['admin_username']}   password {info['admin_password']}",
            f"                 tenant {info['tenant_id']}   (sign in to the console with these)",
            f"  Demo event     {info['event_id']}",
            "  Admin token (Cognito id token, valid 1 hour; `python -m local.token` prints a fresh one):",
            "",
            f"{info['token']}",
            "",
            "  Try:",
            f'    curl -H "Authorization: Bearer $(python -m local.token)" {info["api_url"]}/api/v1/admin/events',
            "",
            "  Demo cards:",
            *(f"    {url}" for url in info["card_urls"]),
        ]
    lines += ["", "  Ctrl-C stops everything (data stays in the data folder).", "=" * 78, ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, str(args.log_level).upper(), logging.INFO),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    config = build_config(args)
    config.data_dir.mkdir(parents=True, exist_ok=True)
    config.dev_json_path.unlink(missing_ok=True)  # never leave a previous run's settings around

    stop_requested = threading.Event()
    signals_seen: list[int] = []

    def request_stop(signum: int, _frame: object) -> None:
        signals_seen.append(signum)
        if len(signals_seen) == 1:
            logging.getLogger("local").info("%s received, stopping", signal.Signals(signum).name)
            stop_requested.set()
        elif len(signals_seen) >= 3:
            raise KeyboardInterrupt  # the third one aborts the clean stop
        else:
            logging.getLogger("local").info("already stopping (a third Ctrl-C aborts)")

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    ensure_code_paths()  # lambdas/ and the core layer, as the Lambda runtime has them
    from local.stack import LocalStack

    started = time.perf_counter()
    stack = LocalStack(config)
    try:
        stack.start()
        token = stack.admin_token() if stack.demo is not None else None
        info = stack.dev_info(token)
        stack.write_dev_json(info)
        print(banner(info, config.dev_json_path, time.perf_counter() - started), flush=True)
        while not stop_requested.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        logging.getLogger("local").error(
            "port %s on %s is in use (another `make dev`?): choose another with --port or PORT", config.port, config.host
        )
        return 1
    finally:
        config.dev_json_path.unlink(missing_ok=True)
        stack.stop()
        logging.getLogger("local").info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
