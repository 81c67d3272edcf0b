"""LocalStack: PostgreSQL, moto, the HTTP gateway and the SQS poller, started and stopped
together, with the environment the handlers read.

    with LocalStack(LocalConfig(port=0)) as stack:
        status, headers, body = stack.request("GET", "/health")

`python -m local` runs one until Ctrl-C; tests get one from the `local_stack` fixture
(tests/fixtures/local_stack.py).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, NamedTuple

import routes
from local import moto_cognito
from local.api_reference import ApiReference
from local.aws import DUMMY_CREDENTIALS, AwsResources, LocalAws, MotoServer
from local.cognito import JwtVerifier, LocalCognito
from local.cognito_proxy import CognitoFrontDoor
from local.config import LocalConfig, ensure_code_paths
from local.console import ConsoleSite
from local.database import DatabaseUrls, LocalDatabase, redact
from local.invoke import HandlerRegistry, invoke
from local.mail import MailViewer  # also gives the local tracking_hmac secret a generated key
from local.poller import Binding, PollReport, SqsPoller
from local.schedules import LOCAL_SCHEDULES, Repeating
from local.seed import DEMO_TENANT_ID, DemoData, ensure_staff_user, seed_demo
from local.server import LocalApiServer, LocalGateway, index_page, json_page
from local.state import LocalState, generate_password
from local.token import jwt_subject

log = logging.getLogger("local.stack")

# Runtime caches to forget when the environment changes (module, function).
_RUNTIME_RESETS = (
    ("outreachpass.config", "reset_settings"),
    ("outreachpass.db.connection", "reset_database"),
    ("outreachpass.integrations.aws", "reset_clients"),
    ("outreachpass.integrations.secrets", "reset_secrets"),
)
# Variables that would make boto3 talk to something other than moto.
_UNSET = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


class LocalResponse(NamedTuple):
    status: int
    headers: dict[str, str]  # lower-cased names; repeated headers joined with ", "
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _reset_runtime() -> None:
    import importlib

    for module_name, function in _RUNTIME_RESETS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        reset = getattr(module, function, None)
        if callable(reset):
            reset()


class LocalStack:
    def __init__(self, config: LocalConfig | None = None, *, workers: Iterable[routes.Worker] | None = None):
        self.config = config or LocalConfig()
        self.workers = tuple(routes.WORKERS if workers is None else workers)
        self.registry = HandlerRegistry()
        self.state = LocalState(self.config.state_path)
        self.database = LocalDatabase(self.config, self.state)
        self.moto = MotoServer()
        self.db_urls: DatabaseUrls | None = None
        self.aws: LocalAws | None = None
        self.resources: AwsResources | None = None
        self.cognito: LocalCognito | None = None
        self.server: LocalApiServer | None = None
        self.poller: SqsPoller | None = None
        self.demo: DemoData | None = None
        self.wallet: Any = None  # local.wallet_credentials.LocalWallet: files (root CA), secrets, APNs/Google fakes
        self.schedules: list[Repeating] = []
        self.admin_password: str | None = None
        self.env: dict[str, str] = {}
        self._saved_env: dict[str, str | None] = {}
        self._started = False
        self._lock = threading.Lock()

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> LocalStack:
        ensure_code_paths()
        self.config.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        config = self.config
        # Bind the port first: a port in use fails before anything else is started.
        gateway = LocalGateway(
            routes=routes.ROUTES,
            registry=self.registry,
            verifier=None,  # set below, once the user pool exists; nothing is served before
            stage=config.stage,
            region=config.region,
            pages={
                "/": index_page(self._index_links),
                "/_local/mail": json_page(self.sent_emails),
                "/openapi.json": json_page(openapi_document),
            },
            cors_origins=config.cors_origins,
        )
        gateway.local_handlers["/_local/mail"] = MailViewer(self)  # HTML mail viewer and SES event player
        gateway.local_handlers["/_local/cognito"] = CognitoFrontDoor(self, self.send_local_mail)  # the pool, for browsers
        gateway.local_handlers["/admin"] = ConsoleSite(self.console_config, lambda: [self.aws_endpoint_url])
        gateway.local_handlers["/docs"] = ApiReference(openapi_document)
        self.server = LocalApiServer(gateway, host=config.host, port=config.port)

        self.db_urls = self.database.start()

        endpoint = self.moto.start()
        self.aws = LocalAws(config, endpoint, self.state)
        self._provision()

        self._apply_env()

        if config.seed:
            self._seed()

        self.poller = SqsPoller(
            sqs_client=lambda: self.boto("sqs"),
            bindings=self._bindings(self.workers),
            region=config.region,
            stage=config.stage,
            registry=self.registry,
            retry_delay_s=config.retry_delay_s,
            wait_time_s=config.poll_wait_s,
        )
        if config.background_workers:
            self.poller.start()
            self.wallet.start_relay()  # the wallet_outbox_relay schedule, every few seconds
            # the other every-minute schedules that act on their own, invoked as EventBridge would
            self.schedules = [Repeating(name, lambda name=name: self.run_schedule(name)) for name in LOCAL_SCHEDULES]
            for schedule in self.schedules:
                schedule.start()
        self.server.start()
        self._started = True
        log.info("local stack up: api %s, aws %s, database %s", self.api_url, endpoint, redact(self.db_urls.app_url))

    def _provision(self) -> None:
        assert self.aws is not None and self.server is not None
        self.resources = self.aws.provision()
        # Wallet: local signing credentials as the wallet secrets, and APNs/Google faked at the transport.
        from local.wallet_credentials import install_wallet_credentials

        self.wallet = install_wallet_credentials(self.aws, self.config.data_dir)
        moto_cognito.install()  # AWS's rules moto lacks: client write permissions, invitations
        self.cognito = LocalCognito(self.aws.client("cognito-idp"), region=self.config.region, endpoint_url=self.aws.endpoint_url)
        pool = self.cognito.create_pool(self.config.resource_name("users"))
        moto_cognito.on_invitation(pool.pool_id, self._send_invitation)
        self.server.gateway.verifier = JwtVerifier(pool).verify
        self.server.gateway.origin_verify = self.resources.origin_verify  # as CloudFront adds it

    def ensure_provisioned(self) -> bool:
        """Re-create the AWS resources if moto lost them; True when it had to.

        moto's state is process-wide: `moto.mock_aws` resets it when a test enters and
        leaves it, which empties this stack's moto too. The new user pool has a new id
        (tokens of the old one are refused); queue and bucket names are unchanged.
        """
        if self.aws is None or self.cognito is None or self.cognito.pool is None:
            return False
        client = self.boto("cognito-idp")
        try:
            client.describe_user_pool(UserPoolId=self.cognito.pool.pool_id)
            return False
        except client.exceptions.ResourceNotFoundException:
            pass
        log.warning("moto was reset (a test used moto.mock_aws?): re-creating the local AWS resources")
        with self._lock:
            self._provision()
            self._apply_env()
            if self.poller is not None:
                self.poller.bindings = self._bindings(self.workers)
            if self.demo is not None:
                self._seed()
        return True

    def stop(self) -> None:
        """Stop everything that was started, in reverse order; safe to call twice."""
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self.poller is not None:
            self.poller.stop()
            self.poller = None
        if self.wallet is not None:
            self.wallet.stop_relay()
        for schedule in self.schedules:
            schedule.stop()
        self.schedules = []
        _reset_runtime_safely()
        self._restore_env()
        self.moto.stop()
        self.database.stop()
        self._started = False

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- environment --------------------------------------------------------------------------

    def _build_env(self) -> dict[str, str]:
        assert self.resources is not None and self.cognito is not None and self.cognito.pool is not None
        assert self.db_urls is not None
        config = self.config
        env = {
            "DATABASE_URL": self.db_urls.app_url,
            "AWS_ENDPOINT_URL": self.resources.endpoint_url,
            "AWS_REGION": config.region,
            "AWS_DEFAULT_REGION": config.region,
            "AWS_ACCESS_KEY_ID": DUMMY_CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": DUMMY_CREDENTIALS["aws_secret_access_key"],
            "STAGE": config.stage,
            "PUBLIC_BASE_URL": self.api_url,
            "USER_POOL_ID": self.cognito.pool.pool_id,
            "USER_POOL_CLIENT_ID": self.cognito.pool.client_id,
            "POWERTOOLS_SERVICE_NAME": "outreachpass",
            "POWERTOOLS_METRICS_NAMESPACE": "OutreachPass",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "INFO"),
        }
        env.update(self.resources.env())
        env.update(config.extra_env)
        return env

    def _apply_env(self) -> None:
        self.env = self._build_env()
        for key in (*self.env, *_UNSET):
            if key not in self._saved_env:
                self._saved_env[key] = os.environ.get(key)
        for key in _UNSET:
            os.environ.pop(key, None)
        os.environ.update(self.env)
        _reset_runtime()

    def _restore_env(self) -> None:
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()

    # --- demo data ----------------------------------------------------------------------------

    def _seed(self) -> None:
        assert self.cognito is not None and self.db_urls is not None and self.cognito.pool is not None
        username = self.config.admin_username
        self.admin_password = self.state.get_or_create("cognito:admin_password", generate_password)
        self.cognito.ensure_user(username, tenant_id=str(DEMO_TENANT_ID), role="admin", password=self.admin_password)
        user = self.boto("cognito-idp").admin_get_user(UserPoolId=self.cognito.pool.pool_id, Username=username)
        sub = next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")
        self.demo = seed_demo(self.db_urls.admin_url, base_url=self.api_url, admin_email=username, admin_sub=sub)
        self._seed_analytics()

    def _seed_analytics(self) -> None:
        """The demo dashboard: 20k synthetic analytics rows on the demo event, once, rolled up."""
        assert self.db_urls is not None and self.demo is not None
        try:
            from ops.synthetic_analytics import seed_demo_dashboard

            made = seed_demo_dashboard(self.db_urls.admin_url, DEMO_TENANT_ID, uuid.UUID(self.demo.event_id))
            if made is not None:
                log.info("demo analytics: %s rows in %.1f s", f"{made.total:,}", made.seconds)
        except Exception:  # the demo works without its dashboard data
            log.exception("demo analytics were not seeded")

    def send_local_mail(self, to: str, subject: str, text: str) -> None:
        """Mail from the stack itself (Cognito's invitations and codes) through SES: /_local/mail shows it."""
        self.boto("ses").send_email(
            Source=self.config.sender,
            Destination={"ToAddresses": [to]},
            Message={"Subject": {"Data": subject}, "Body": {"Text": {"Data": text}}},
        )

    def _send_invitation(self, email: str, username: str, temporary_password: str) -> None:
        console = f"{self.api_url}/admin/" if self.server is not None else "the console"
        self.send_local_mail(
            email,
            "Your temporary password",
            f"You have been invited to OutreachPass.\n\nSign in at {console} with your e-mail address {email} "
            f"and the temporary password {temporary_password}\n\nYou will choose your own password at the first sign-in.",
        )

    def console_config(self) -> dict[str, Any]:
        """/admin/config.json: what the console needs to find the API and the user pool."""
        return {
            "apiBaseUrl": "",
            "region": self.config.region,
            "userPoolId": self.user_pool_id,
            "userPoolClientId": self.client_id,
            "stage": self.config.stage,
            "cognitoEndpoint": "/_local/cognito",
        }

    def admin_token(self) -> str:
        """A fresh id token of the demo admin (tokens live one hour)."""
        assert self.cognito is not None
        return self.cognito.id_token(self.config.admin_username)

    def _index_links(self) -> list[tuple[str, str]]:
        links = [("Health", f"{self.api_url}/health")]
        if self.demo is not None:
            links.append(("Events (needs the admin bearer token)", f"{self.api_url}{routes.ADMIN_PREFIX}/events"))
            links.extend((f"Card: {a.name}", a.card_url) for a in self.demo.attendees)
        links.insert(0, ("Console (sign in with the demo admin)", f"{self.api_url}/admin/"))
        links.append(("API reference", f"{self.api_url}/docs"))
        links.append(("OpenAPI document", f"{self.api_url}/openapi.json"))
        links.append(("Mail sent through SES (JSON)", f"{self.api_url}/_local/mail"))
        return links

    def dev_info(self, token: str | None = None) -> dict[str, Any]:
        """What scripts need to talk to this stack (written to .local/dev.json)."""
        assert self.resources is not None and self.cognito is not None and self.cognito.pool is not None
        assert self.db_urls is not None
        demo = self.demo
        return {
            "pid": os.getpid(),
            "started_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "api_url": self.api_url,
            "aws_endpoint_url": self.resources.endpoint_url,
            "region": self.config.region,
            "user_pool_id": self.cognito.pool.pool_id,
            "user_pool_client_id": self.cognito.pool.client_id,
            "admin_username": self.config.admin_username,
            "admin_password": self.admin_password,
            "token": token,
            "tenant_id": demo.tenant_id if demo else None,
            "brand_id": demo.brand_id if demo else None,
            "event_id": demo.event_id if demo else None,
            "exhibitor_id": demo.exhibitor_id if demo else None,  # invite exhibitor users to it (role exhibitor)
            "card_urls": demo.card_urls if demo else [],
            "mail_url": f"{self.api_url}/_local/mail",
            "console_url": f"{self.api_url}/admin/",
            "docs_url": f"{self.api_url}/docs",
            "database_url": self.db_urls.app_url,
            "admin_database_url": self.db_urls.admin_url,
            "buckets": dict(self.resources.buckets),
            "queues": {name: q.url for name, q in self.resources.queues.items()},
        }

    def write_dev_json(self, info: Mapping[str, Any]) -> None:
        path = self.config.dev_json_path
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(info, handle, indent=2)
            handle.write("\n")
        os.replace(tmp, path)

    # --- what tests and scripts use -----------------------------------------------------------

    @property
    def api_url(self) -> str:
        if self.server is None:
            raise RuntimeError("the local stack is not started")
        return self.server.url

    @property
    def aws_endpoint_url(self) -> str:
        if self.resources is None:
            raise RuntimeError("the local stack is not started")
        return self.resources.endpoint_url

    @property
    def region(self) -> str:
        return self.config.region

    @property
    def user_pool_id(self) -> str:
        assert self.cognito is not None and self.cognito.pool is not None
        return self.cognito.pool.pool_id

    @property
    def client_id(self) -> str:
        assert self.cognito is not None and self.cognito.pool is not None
        return self.cognito.pool.client_id

    def boto(self, service: str) -> Any:
        """A boto3 client for `service` in this stack's moto."""
        if self.aws is None:
            raise RuntimeError("the local stack is not started")
        return self.aws.client(service)

    def token_for(self, tenant_id: Any, role: str = "admin", username: str | None = None) -> str:
        """A real Cognito id token for a user of `tenant_id` with `role` (user created if needed)."""
        if self.cognito is None or self.db_urls is None:
            raise RuntimeError("the local stack is not started")
        username = username or self.cognito.default_username(str(tenant_id), role)
        token = self.cognito.token_for(str(tenant_id), role, username)
        # The API authorizes from the users row (its stored role and status), as in AWS, where
        # every account is made by an invite or by ops.tenants together with its row.
        sub = jwt_subject(token)
        ensure_staff_user(self.db_urls.admin_url, tenant_id, email=username, role=role, sub=sub)
        return token

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json: Any = None,
        body: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 60,
    ) -> LocalResponse:
        """One HTTP request to the local API (no redirects followed)."""
        import json as jsonlib

        all_headers = {k.lower(): v for k, v in (headers or {}).items()}
        data: bytes | None
        if json is not None:
            data = jsonlib.dumps(json).encode()
            all_headers.setdefault("content-type", "application/json")
        elif isinstance(body, str):
            data = body.encode()
            all_headers.setdefault("content-type", "text/plain; charset=utf-8")
        else:
            data = body
            if data is not None:
                # urllib would label it application/x-www-form-urlencoded otherwise.
                all_headers.setdefault("content-type", "application/octet-stream")
        if token is not None:
            all_headers["authorization"] = f"Bearer {token}"
        url = path if path.startswith("http") else f"{self.api_url}{path}"
        request = urllib.request.Request(url, data=data, method=method.upper(), headers=all_headers)  # noqa: S310 (loopback URL)
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=timeout) as response:
                return LocalResponse(response.status, _headers(response.headers), response.read())
        except urllib.error.HTTPError as error:
            with error:
                return LocalResponse(error.code, _headers(error.headers), error.read())

    def bindings(self, workers: Iterable[routes.Worker]) -> list[Binding]:
        return self._bindings(workers)

    def _bindings(self, workers: Iterable[routes.Worker]) -> list[Binding]:
        assert self.resources is not None
        found = []
        for worker in workers:
            queue = self.resources.queues.get(worker.queue)
            if queue is None:
                raise ValueError(f"worker {worker.name} reads queue '{worker.queue}', which is not in routes.QUEUES")
            found.append(Binding(worker=worker, queue_url=queue.url, queue_arn=queue.arn))
        return found

    def run_workers_once(self, *, retries: bool = True) -> PollReport:
        """Drain every worker queue now (see SqsPoller.run_once)."""
        if self.poller is None:
            raise RuntimeError("the local stack is not started")
        return self.poller.run_once(retries=retries)

    def run_schedule(self, name: str) -> Any:
        """Invoke the handler of routes.SCHEDULES' `name` once, as its EventBridge rule would (a
        scheduled event, the Lambda context, its memory and timeout); returns what it returned."""
        schedule = next((s for s in routes.SCHEDULES if s.name == name), None)
        if schedule is None:
            raise ValueError(f"no schedule named {name} in routes.SCHEDULES")
        event = {
            "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "region": self.config.region, "detail": {},
        }
        return invoke(self.registry, schedule.handler, event, stage=self.config.stage, region=self.config.region,
                      memory_mb=schedule.needs.memory_mb, timeout_s=schedule.needs.timeout_s).result

    def sent_emails(self) -> list[dict[str, Any]]:
        if self.aws is None:
            return []
        return self.aws.sent_emails()


_openapi_cache: dict[str, Any] = {}
_openapi_lock = threading.Lock()


def openapi_document() -> dict[str, Any]:
    """The API's OpenAPI document (local.openapi), built once on first request."""
    with _openapi_lock:
        if "document" not in _openapi_cache:
            from local.openapi import build_document

            _openapi_cache["document"] = build_document()
        return _openapi_cache["document"]


def _headers(message: Any) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in message.items():
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


def _reset_runtime_safely() -> None:
    try:
        _reset_runtime()
    except Exception:
        log.exception("resetting runtime caches failed")
