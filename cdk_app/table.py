"""The route table as the CDK side sees it: one function spec per route, worker, schedule and topic consumer,
plus the upload triggers (S3 notifications to a queue).

Everything the stacks build per function comes from here, and the table is checked for
references the infrastructure cannot satisfy (unknown queue, secret, topic or bucket, a worker
slower than its queue's visibility timeout, upload triggers S3 would reject as overlapping) so
such mistakes fail at synth with a clear message.
"""

from __future__ import annotations

import typing
from collections import Counter
from dataclasses import dataclass
from types import ModuleType
from typing import Literal

import routes as route_module
from cdk_app.naming import pascal, short_hash
from routes import ADMIN_PREFIX, Needs, Queue, Route, Schedule, TopicConsumer, UploadTrigger, Worker

FunctionKind = Literal["route", "worker", "schedule", "topic_consumer", "deploy_job"]
# Lambda's maximum; API Gateway itself gives up on an integration after 30 s.
MAX_TIMEOUT_S = 900
# The range Lambda accepts for an SQS event source mapping's ScalingConfig.MaximumConcurrency.
MAX_CONCURRENCY_RANGE = (2, 1000)
API_INTEGRATION_TIMEOUT_S = 29
KNOWN_TOPICS = ("ses_events",)

# One CloudFormation stack holds at most 500 resources; ours stay under 400, so a fifth stays free for what
# comes next (a test and `make bench` watch it). A route's function takes 6 to 8 (8 with SnapStart).
RESOURCE_CEILING = 400
# Which stack holds a function: decided by the entry alone, its kind or its route's path, never by its
# position or by how full a stack is. A function has a fixed name, and moving it to another stack would
# create it there before the old stack lets go of the name, which fails the deploy.
FunctionGroup = Literal["ApiPublic", "ApiWallet", "ApiAdmin", "ApiSettings", "ApiReports", "Workers"]
FUNCTION_GROUPS: tuple[FunctionGroup, ...] = typing.get_args(FunctionGroup)
# The first path prefix (whole segments) that matches decides; other public routes are ApiPublic (cards,
# tracking, health), other protected routes ApiAdmin (events, attendees, cards, jobs, exhibitors, leads).
ROUTE_GROUP_PREFIXES: tuple[tuple[str, FunctionGroup], ...] = (
    ("/wallet", "ApiWallet"),  # the Apple Wallet web service (devices) and Google Wallet's callbacks
    (f"{ADMIN_PREFIX}/analytics", "ApiReports"),
    (f"{ADMIN_PREFIX}/audit-log", "ApiReports"),
    (f"{ADMIN_PREFIX}/brands", "ApiSettings"),
    (f"{ADMIN_PREFIX}/users", "ApiSettings"),
    (f"{ADMIN_PREFIX}/feature-flags", "ApiSettings"),
    (f"{ADMIN_PREFIX}/email-settings", "ApiSettings"),
    (f"{ADMIN_PREFIX}/suppressions", "ApiSettings"),
)


class TableError(ValueError):
    """The route table asks for something the infrastructure does not provide."""


def bucket_names() -> tuple[str, ...]:
    """The buckets a BucketGrant may name, read from the table's own type."""
    return typing.get_args(typing.get_type_hints(route_module.BucketGrant)["bucket"])


@dataclass(frozen=True)
class FunctionSpec:
    kind: FunctionKind
    slug: str  # unique within a copy of the app: function name suffix and construct id source
    handler: str  # module under lambdas/
    needs: Needs
    description: str
    entry: Route | Worker | Schedule | TopicConsumer | None = None  # None: not a table entry (deploy-time job)

    @property
    def construct_id(self) -> str:
        return pascal(self.slug)

    @property
    def handler_path(self) -> str:
        return f"{self.handler}.handler"

    @property
    def is_public_route(self) -> bool:
        return isinstance(self.entry, Route) and self.entry.is_public

    @property
    def group(self) -> FunctionGroup:
        """The stack this function lives in (see ROUTE_GROUP_PREFIXES)."""
        if not isinstance(self.entry, Route):
            return "Workers"
        path = self.entry.path
        for prefix, group in ROUTE_GROUP_PREFIXES:
            if path == prefix or path.startswith(prefix + "/"):
                return group
        return "ApiPublic" if self.entry.is_public else "ApiAdmin"


def _module_slug(handler: str) -> str:
    return handler.removeprefix("handlers.").replace(".", "-").replace("_", "-").lower()


@dataclass(frozen=True)
class RouteTable:
    routes: tuple[Route, ...]
    queues: tuple[Queue, ...]
    workers: tuple[Worker, ...]
    schedules: tuple[Schedule, ...]
    topic_consumers: tuple[TopicConsumer, ...]
    secrets: tuple[str, ...]
    upload_triggers: tuple[UploadTrigger, ...] = ()

    @classmethod
    def from_module(cls, module: ModuleType = route_module) -> RouteTable:
        return cls(
            routes=tuple(module.ROUTES),
            queues=tuple(module.QUEUES),
            workers=tuple(module.WORKERS),
            schedules=tuple(module.SCHEDULES),
            topic_consumers=tuple(module.TOPIC_CONSUMERS),
            secrets=tuple(module.SECRETS),
            upload_triggers=tuple(module.UPLOAD_TRIGGERS),
        )

    def queue(self, name: str) -> Queue:
        for queue in self.queues:
            if queue.name == name:
                return queue
        raise TableError(f"unknown queue {name!r}")

    def function_specs(self) -> tuple[FunctionSpec, ...]:
        self.validate()
        specs = [self._route_spec(route, slug) for route, slug in zip(self.routes, self._route_slugs(), strict=True)]
        specs += [
            FunctionSpec(
                "worker",
                f"worker-{_module_slug(worker.name)}",
                worker.handler,
                worker.needs,
                f"SQS worker for queue {worker.queue}",
                worker,
            )
            for worker in self.workers
        ]
        specs += [
            FunctionSpec(
                "schedule",
                f"job-{_module_slug(job.name)}",
                job.handler,
                job.needs,
                f"Scheduled job {job.name} ({job.expression})",
                job,
            )
            for job in self.schedules
        ]
        specs += [
            FunctionSpec(
                "topic_consumer",
                f"consumer-{_module_slug(consumer.name)}",
                consumer.handler,
                consumer.needs,
                f"Consumer of topic {consumer.topic}",
                consumer,
            )
            for consumer in self.topic_consumers
        ]
        slugs = Counter(spec.slug for spec in specs)
        clashes = sorted(slug for slug, count in slugs.items() if count > 1)
        if clashes:
            raise TableError(f"two table entries map to the same function name: {', '.join(clashes)}")
        return tuple(specs)

    @staticmethod
    def _route_spec(route: Route, slug: str) -> FunctionSpec:
        return FunctionSpec(
            "route", slug, route.handler, route.needs, f"{route.route_key}: {route.summary}"[:256], route
        )

    def _route_slugs(self) -> list[str]:
        # One function per route: routes that share a handler module get the method and a path hash.
        base = [_module_slug(route.handler) for route in self.routes]
        shared = Counter(base)
        return [
            slug if shared[slug] == 1 else f"{slug}-{route.method.lower()}-{short_hash(route.path, 4)}"
            for slug, route in zip(base, self.routes, strict=True)
        ]

    def validate(self) -> None:
        problems: list[str] = []
        queue_names = {queue.name for queue in self.queues}
        known_buckets = set(bucket_names())
        entries: list[tuple[str, Needs]] = [(route.route_key, route.needs) for route in self.routes]
        entries += [(f"worker {worker.name}", worker.needs) for worker in self.workers]
        entries += [(f"schedule {job.name}", job.needs) for job in self.schedules]
        entries += [(f"topic consumer {consumer.name}", consumer.needs) for consumer in self.topic_consumers]
        for label, needs in entries:
            problems += [
                f"{label}: sends to unknown queue {name!r}" for name in needs.send_queues if name not in queue_names
            ]
            problems += [
                f"{label}: reads the DLQ of unknown queue {name!r}" for name in needs.dead_letters if name not in queue_names
            ]
            problems += [
                f"{label}: reads unknown secret {name!r}" for name in needs.secrets if name not in self.secrets
            ]
            problems += [
                f"{label}: unknown bucket {grant.bucket!r}"
                for grant in needs.buckets
                if grant.bucket not in known_buckets
            ]
            if not 1 <= needs.timeout_s <= MAX_TIMEOUT_S:
                problems.append(f"{label}: timeout_s {needs.timeout_s} is outside 1..{MAX_TIMEOUT_S}")
            if not 128 <= needs.memory_mb <= 10240:
                problems.append(f"{label}: memory_mb {needs.memory_mb} is outside 128..10240")
        for route in self.routes:
            if route.needs.timeout_s > API_INTEGRATION_TIMEOUT_S:
                problems.append(f"{route.route_key}: timeout_s above the API's {API_INTEGRATION_TIMEOUT_S} s")
        for worker in self.workers:
            low, high = MAX_CONCURRENCY_RANGE
            if worker.max_concurrency is not None and not low <= worker.max_concurrency <= high:
                problems.append(
                    f"worker {worker.name}: max_concurrency {worker.max_concurrency} is outside {low}..{high}"
                )
            if worker.queue not in queue_names:
                problems.append(f"worker {worker.name}: consumes unknown queue {worker.queue!r}")
            elif worker.needs.timeout_s > self.queue(worker.queue).visibility_timeout_s:
                problems.append(
                    f"worker {worker.name}: timeout_s {worker.needs.timeout_s} exceeds the visibility timeout "
                    f"of queue {worker.queue!r} ({self.queue(worker.queue).visibility_timeout_s} s)"
                )
        problems += [
            f"topic consumer {consumer.name}: unknown topic {consumer.topic!r} (known: {', '.join(KNOWN_TOPICS)})"
            for consumer in self.topic_consumers
            if consumer.topic not in KNOWN_TOPICS
        ]
        problems += self._upload_trigger_problems(queue_names, known_buckets)
        route_keys = Counter(route.route_key for route in self.routes)
        problems += [f"route {key} is listed twice" for key, count in route_keys.items() if count > 1]
        if problems:
            raise TableError("lambdas/routes.py cannot be deployed:\n" + "\n".join(f"  - {p}" for p in problems))

    def _upload_trigger_problems(self, queue_names: set[str], known_buckets: set[str]) -> list[str]:
        problems: list[str] = []
        for trigger in self.upload_triggers:
            label = f"upload trigger {trigger.bucket}/{trigger.prefix}*{trigger.suffix}"
            if trigger.queue not in queue_names:
                problems.append(f"{label}: sends to unknown queue {trigger.queue!r}")
            if trigger.bucket not in known_buckets:
                problems.append(f"{label}: unknown bucket {trigger.bucket!r}")
        # S3 refuses two configurations of one event type on a bucket whose key filters can both match
        # one key: overlapping prefixes (one starts with the other) and overlapping suffixes.
        for index, first in enumerate(self.upload_triggers):
            for second in self.upload_triggers[index + 1 :]:
                if (
                    first.bucket == second.bucket
                    and (first.prefix.startswith(second.prefix) or second.prefix.startswith(first.prefix))
                    and (first.suffix.endswith(second.suffix) or second.suffix.endswith(first.suffix))
                ):
                    problems.append(
                        f"upload triggers {first.prefix}*{first.suffix} and {second.prefix}*{second.suffix} "
                        f"overlap on bucket {first.bucket!r} (S3 rejects overlapping notification filters)"
                    )
        return problems
