"""SQS event source mappings, emulated: queue -> batches -> worker handler.

Like Lambda's poller for a standard queue with ReportBatchItemFailures:
- receives up to `batch_size` messages (ReceiveMessage returns at most 10 per call);
- invokes the worker with an SQS event (local.events.sqs_event);
- deletes the records that succeeded: all of them unless the response lists
  `batchItemFailures`; an exception, or a response naming an unknown or empty
  itemIdentifier, fails the whole batch;
- failed messages become visible again after `retry_delay_s` (the queue's visibility
  timeout in AWS, short locally), and the queue's RedrivePolicy moves a message to its
  DLQ once it has been received maxReceiveCount times (moto does this on receive, as SQS).

`run_once()` drains every queue deterministically (tests); `start()` runs one polling
thread per worker (`python -m local`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from local.events import sqs_event
from local.invoke import HandlerRegistry, invoke
from routes import Worker

log = logging.getLogger("local.poller")

MAX_RECEIVE = 10  # SQS ReceiveMessage limit


@dataclass(frozen=True)
class Binding:
    """A worker bound to its queue's URL and ARN."""

    worker: Worker
    queue_url: str
    queue_arn: str


@dataclass
class BatchOutcome:
    worker: str
    received: int
    succeeded: list[str] = field(default_factory=list)  # message ids deleted
    failed: list[str] = field(default_factory=list)  # message ids left for retry / DLQ
    error: str | None = None
    failed_receipt_handles: list[str] = field(default_factory=list, repr=False)


@dataclass
class PollReport:
    batches: list[BatchOutcome] = field(default_factory=list)

    @property
    def succeeded(self) -> int:
        return sum(len(b.succeeded) for b in self.batches)

    @property
    def failed(self) -> int:
        return sum(len(b.failed) for b in self.batches)

    @property
    def invocations(self) -> int:
        return len(self.batches)


class SqsPoller:
    def __init__(
        self,
        *,
        sqs_client: Callable[[], Any],
        bindings: Iterable[Binding],
        region: str,
        stage: str = "local",
        registry: HandlerRegistry | None = None,
        retry_delay_s: int = 2,
        wait_time_s: int = 1,
    ):
        self._client_factory = sqs_client
        self.bindings = list(bindings)
        self.region = region
        self.stage = stage
        self.registry = registry or HandlerRegistry()
        self.retry_delay_s = retry_delay_s
        self.wait_time_s = wait_time_s
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._local = threading.local()

    def _sqs(self) -> Any:
        # boto3 clients are thread-safe, sessions are not: one client per thread, made here.
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = self._client_factory()
        return client

    # --- one batch ----------------------------------------------------------------------------

    def _receive(self, binding: Binding, wait_s: int) -> list[dict[str, Any]]:
        wanted = max(1, binding.worker.batch_size)
        visibility = max(binding.worker.needs.timeout_s, 1) + 5  # covers the invocation
        messages: list[dict[str, Any]] = []
        while len(messages) < wanted:
            response = self._sqs().receive_message(
                QueueUrl=binding.queue_url,
                MaxNumberOfMessages=min(MAX_RECEIVE, wanted - len(messages)),
                WaitTimeSeconds=wait_s if not messages else 0,
                VisibilityTimeout=visibility,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            batch = response.get("Messages", [])
            messages.extend(batch)
            if len(batch) < MAX_RECEIVE:
                break
        return messages

    def process_batch(self, binding: Binding, messages: list[dict[str, Any]], *, retry_delay_s: int | None = None) -> BatchOutcome:
        worker = binding.worker
        outcome = BatchOutcome(worker=worker.name, received=len(messages))
        ids = [m["MessageId"] for m in messages]
        event = sqs_event(messages, queue_arn=binding.queue_arn, region=self.region)
        failed_ids: set[str]
        try:
            invocation = invoke(
                self.registry,
                worker.handler,
                event,
                stage=self.stage,
                region=self.region,
                memory_mb=worker.needs.memory_mb,
                timeout_s=worker.needs.timeout_s,
            )
            failed_ids = self._failures(invocation.result, ids)
        except Exception as exc:
            log.exception("worker %s failed a batch of %d (the whole batch will be retried)", worker.name, len(messages))
            outcome.error = repr(exc)
            failed_ids = set(ids)

        done = [m for m in messages if m["MessageId"] not in failed_ids]
        retry = [m for m in messages if m["MessageId"] in failed_ids]
        self._delete(binding, done)
        self._release(binding, retry, self.retry_delay_s if retry_delay_s is None else retry_delay_s)
        outcome.succeeded = [m["MessageId"] for m in done]
        outcome.failed = [m["MessageId"] for m in retry]
        outcome.failed_receipt_handles = [m["ReceiptHandle"] for m in retry]
        if retry:
            log.warning("worker %s: %d of %d messages failed and will be retried", worker.name, len(retry), len(messages))
        return outcome

    @staticmethod
    def _failures(result: Any, ids: list[str]) -> set[str]:
        """The failed message ids of a partial batch response; all on an invalid one."""
        if result is None or not isinstance(result, dict):
            return set()
        items = result.get("batchItemFailures")
        if items is None:
            return set()
        if not isinstance(items, list):
            log.error("invalid batchItemFailures %r: failing the whole batch", items)
            return set(ids)
        failed: set[str] = set()
        for item in items:
            identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
            if not identifier or identifier not in ids:
                log.error("batchItemFailures names %r, not a message of this batch: failing the whole batch", identifier)
                return set(ids)
            failed.add(identifier)
        return failed

    def _delete(self, binding: Binding, messages: list[dict[str, Any]]) -> None:
        for start in range(0, len(messages), MAX_RECEIVE):
            chunk = messages[start : start + MAX_RECEIVE]
            response = self._sqs().delete_message_batch(
                QueueUrl=binding.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
            )
            for failure in response.get("Failed", []):
                log.error("could not delete a message from %s: %s", binding.queue_url, failure)

    def _release(self, binding: Binding, messages: list[dict[str, Any]], delay_s: int) -> None:
        for start in range(0, len(messages), MAX_RECEIVE):
            chunk = messages[start : start + MAX_RECEIVE]
            self._sqs().change_message_visibility_batch(
                QueueUrl=binding.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": delay_s} for i, m in enumerate(chunk)
                ],
            )

    # --- deterministic draining (tests) -------------------------------------------------------

    def run_once(self, *, retries: bool = True, max_batches: int = 1000) -> PollReport:
        """Process whatever is in the queues now, then return.

        With `retries` (the default), failed messages are made visible again at once and
        processed again until they succeed or the RedrivePolicy moves them to the DLQ, so
        when this returns every message is either deleted or dead-lettered. Without it,
        failed messages stay invisible for `retry_delay_s`, as after one real poll.
        """
        report = PollReport()
        for binding in self.bindings:
            while len(report.batches) < max_batches:
                messages = self._receive(binding, wait_s=0)
                if not messages:
                    break
                outcome = self.process_batch(binding, messages, retry_delay_s=0 if retries else None)
                report.batches.append(outcome)
            else:
                raise RuntimeError(f"run_once: more than {max_batches} batches; a worker loops forever?")
        return report

    # --- background threads (python -m local) --------------------------------------------------

    def start(self) -> None:
        self._stop.clear()
        for binding in self.bindings:
            thread = threading.Thread(target=self._loop, args=(binding,), name=f"sqs-{binding.worker.name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _loop(self, binding: Binding) -> None:
        while not self._stop.is_set():
            try:
                messages = self._receive(binding, wait_s=self.wait_time_s)
            except Exception:
                if self._stop.is_set():
                    return
                log.exception("worker %s: receiving from %s failed", binding.worker.name, binding.queue_url)
                self._stop.wait(2)
                continue
            if messages:
                try:
                    self.process_batch(binding, messages)
                except Exception:
                    log.exception("worker %s: batch bookkeeping failed", binding.worker.name)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.wait_time_s + 10)
        self._threads.clear()
