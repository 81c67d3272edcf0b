"""The route table is the single source: every entry has its handler, and no handler hides outside it."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import handlers
import routes

HANDLER_PACKAGES_WITH_ROUTES = ("handlers.admin", "handlers.leads", "handlers.public", "handlers.track", "handlers.wallet")


def _route_ids(route: routes.Route) -> str:
    return route.route_key


@pytest.mark.parametrize("route", routes.ROUTES, ids=_route_ids)
def test_every_route_has_a_handler_serving_exactly_that_route(route: routes.Route) -> None:
    module = importlib.import_module(route.handler)
    handler = module.handler
    assert callable(handler)
    assert handler.roles == route.roles, "the handler enforces other roles than the table names"
    assert _served(handler.resolver) == [(route.method, route.path)]


def _served(resolver) -> list[tuple[str, str]]:
    """The (method, path template) pairs a Powertools resolver serves, paths in {param} form."""
    return [
        (registered.method, re.sub(r"<(\w+)>", r"{\1}", registered.path))
        for registered in resolver._static_routes + resolver._dynamic_routes
    ]


def test_no_handler_module_exists_outside_the_tables() -> None:
    named = {route.handler for route in routes.ROUTES}
    named |= {worker.handler for worker in routes.WORKERS}
    named |= {job.handler for job in routes.SCHEDULES}
    named |= {consumer.handler for consumer in routes.TOPIC_CONSUMERS}
    named.add("handlers.jobs.migrate")  # the deploy-time migration custom resource
    found = set()
    for info in pkgutil.walk_packages(handlers.__path__, prefix="handlers."):
        if not info.ispkg:
            found.add(info.name)
    assert found - named == set(), "handler modules that no table names"
    assert named - found == set(), "table entries without a module"


def test_route_keys_are_unique() -> None:
    keys = [route.route_key for route in routes.ROUTES]
    assert len(keys) == len(set(keys))


def test_workers_consume_declared_queues() -> None:
    queues = {queue.name for queue in routes.QUEUES}
    for worker in routes.WORKERS:
        assert worker.queue in queues
        for name in worker.needs.send_queues:
            assert name in queues
    for route in routes.ROUTES:
        for name in route.needs.send_queues:
            assert name in queues
