"""The composition root: every stack of a deployment, from its config and the route table.

Platform (shared by pool tenants):  OutreachPass-<stage>-{Data,Messaging,Auth,Api,Edge,Storage,
                                    ApiPublic,ApiWallet,ApiAdmin,ApiSettings,ApiReports,Workers,Monitoring}
Pool tenant <key>:                  OutreachPass-<stage>-Tenant-<key> (+ OutreachPass-<stage>-<key>-Edge
                                    when it has a brand domain)
Silo tenant <key>:                  its own copy OutreachPass-<stage>-<key>-{Data,...,Monitoring}
                                    + OutreachPass-<stage>-Tenant-<key>, which depends on the whole copy

Within a copy the references point one way (no cycle): Auth <- Api (the HTTP API) <- Edge (the API is its
origin; the console's config names the user pool) <- Storage (its policies and CORS name the distribution)
and the function stacks (PUBLIC_BASE_URL is the distribution) <- Monitoring. Messaging comes before
Storage (S3 checks the queue policies when the notifications are written) and Data before the functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk

from cdk_app.config import DeploymentConfig, TenantConfig
from cdk_app.console_policy import console_connect_sources
from cdk_app.console_site import console_source
from cdk_app.function import AppFunction, EmailSending
from cdk_app.naming import Naming
from cdk_app.table import FUNCTION_GROUPS, RouteTable
from stacks.api import ApiStack
from stacks.auth import AuthStack
from stacks.base import AppStack
from stacks.data import DataStack
from stacks.edge import ConsoleSettings, EdgeStack
from stacks.functions import FunctionsStack, SharedResources
from stacks.messaging import MessagingStack, ses_configuration_set_arn, ses_identity_arn
from stacks.monitoring import MonitoredFunction, MonitoringStack
from stacks.storage import StorageStack
from stacks.tenant import TenantStack

STUB_DEPENDENCIES_CONTEXT = "dependencies_layer"  # -c dependencies_layer=stub: skip pip (tests only)


@dataclass(frozen=True)
class SynthOptions:
    """What a synth for tests may leave out; a deployable synth has both False."""

    stub_dependencies: bool = False  # an empty dependencies layer instead of pip's
    console_placeholder: bool = False  # a marked placeholder page when web/dist was not built


@dataclass(frozen=True)
class Application:
    """One copy of the application stacks (the platform, or a silo tenant's own)."""

    data: DataStack
    messaging: MessagingStack
    auth: AuthStack
    api: ApiStack
    edge: EdgeStack
    storage: StorageStack
    function_stacks: tuple[FunctionsStack, ...]
    monitoring: MonitoringStack

    @property
    def stacks(self) -> tuple[AppStack, ...]:
        return (
            self.data,
            self.messaging,
            self.auth,
            self.api,
            self.edge,
            self.storage,
            *self.function_stacks,
            self.monitoring,
        )

    @property
    def functions(self) -> dict[str, AppFunction]:
        """Every table entry's function, by slug, whichever stack holds it."""
        return {slug: function for stack in self.function_stacks for slug, function in stack.functions.items()}


@dataclass(frozen=True)
class Deployment:
    platform: Application
    silos: dict[str, Application]
    tenants: dict[str, TenantStack]
    tenant_edges: dict[str, EdgeStack]

    @property
    def stacks(self) -> list[cdk.Stack]:
        stacks: list[cdk.Stack] = list(self.platform.stacks)
        for silo in self.silos.values():
            stacks += silo.stacks
        stacks += self.tenant_edges.values()
        stacks += self.tenants.values()
        return stacks


def build_application(
    app: cdk.App,
    config: DeploymentConfig,
    naming: Naming,
    table: RouteTable,
    *,
    sender: str,
    edge_domain: str | None,
    pool_tenants: tuple[TenantConfig, ...],
    options: SynthOptions,
) -> Application:
    data = DataStack(
        app,
        naming.stack("Data"),
        config=config,
        naming=naming,
        table=table,
        stub_dependencies=options.stub_dependencies,
    )
    messaging = MessagingStack(app, naming.stack("Messaging"), config=config, naming=naming, table=table, sender=sender)
    auth = AuthStack(app, naming.stack("Auth"), config=config, naming=naming)
    api = ApiStack(app, naming.stack("Api"), config=config, naming=naming, auth=auth)
    edge = _application_edge(app, config, naming, api, auth, edge_domain, options)
    # The upload triggers' queue ARNs make Storage depend on Messaging (which names the buckets literally).
    storage = StorageStack(
        app,
        naming.stack("Storage"),
        config=config,
        naming=naming,
        table=table,
        queues=dict(messaging.queues),
        edge_origin=edge.base_url,
        distribution_id=edge.distribution.distribution_id,
    )
    sender_domains = [messaging.sender_domain, *(tenant.sender_domain for tenant in pool_tenants)]
    configuration_sets = [messaging.configuration_set_name, *(naming.configuration_set(t.key) for t in pool_tenants)]
    shared = SharedResources(
        database=data.database_access,
        bucket_names=storage.bucket_names,
        queues=dict(messaging.queues),
        topics=messaging.topics,
        work_dead_letter_queues=dict(messaging.dead_letter_queues),
        secrets=dict(data.integration_secrets),
        email=EmailSending(
            identity_arns=tuple(ses_identity_arn(config, domain) for domain in sender_domains),
            configuration_set_arns=tuple(ses_configuration_set_arn(config, name) for name in configuration_sets),
            configuration_set=messaging.configuration_set_name,
            default_sender=sender,
        ),
        auth=auth,
        api=api,
        # Public links (cards, QR codes, e-mails, passes) and the card page's images always go through
        # the edge: its domain, or the distribution's own name (a cross-region reference; no cycle, since
        # the edge does not depend on the functions).
        public_base_url=edge.base_url,
        assets_base_url=edge.base_url,
        origin_secret_name=edge.origin_secret_name,
    )
    specs = table.function_specs()
    function_stacks = []
    for group in FUNCTION_GROUPS:
        members = tuple(spec for spec in specs if spec.group == group)
        if not members:
            continue
        stack = FunctionsStack(
            app,
            naming.stack(group),
            config=config,
            naming=naming,
            group=group,
            specs=members,
            shared=shared,
            stub_dependencies=options.stub_dependencies,
        )
        # Bucket names, the tenants' SES resources and the origin-verify secret are referenced by name.
        for dependency in (storage, messaging, edge):
            stack.add_stack_dependency(dependency)
        function_stacks.append(stack)
    application_functions = [function for stack in function_stacks for function in stack.functions.values()]
    monitoring = MonitoringStack(
        app,
        naming.stack("Monitoring"),
        config=config,
        naming=naming,
        functions=[MonitoredFunction(fn.function_name, fn.spec) for fn in (*application_functions, data.migrate_function)],
        http_api=api.http_api,
        cluster_identifier=data.cluster_identifier,
        queues=dict(messaging.queues),
        dead_letter_queues={
            **messaging.dead_letter_queues,
            **{name: queue for stack in function_stacks for name, queue in stack.dead_letter_queues.items()},
        },
    )
    for stack in (*function_stacks, data):
        monitoring.add_stack_dependency(stack)
    return Application(data, messaging, auth, api, edge, storage, tuple(function_stacks), monitoring)


def _application_edge(
    app: cdk.App,
    config: DeploymentConfig,
    naming: Naming,
    api: ApiStack,
    auth: AuthStack,
    edge_domain: str | None,
    options: SynthOptions,
) -> EdgeStack:
    """The copy's distribution: the API, the public assets and the console, behind its own web ACL."""
    domain = config.domain if naming.silo_key is None else None
    console = ConsoleSettings(
        source=console_source(allow_placeholder=options.console_placeholder),
        # config.json: "" = the admin API on this same origin (the distribution's default behaviour).
        config={
            "apiBaseUrl": "",
            "region": config.region,
            "userPoolId": auth.user_pool.user_pool_id,
            "userPoolClientId": auth.app_client.user_pool_client_id,
            "stage": config.stage,
        },
        connect_sources=console_connect_sources(config.region, naming.bucket_name("uploads", config.account)),
    )
    return EdgeStack(
        app,
        naming.stack("Edge"),
        config=config,
        naming=naming,
        api_domain=api.api_domain,
        domain_name=edge_domain,
        hosted_zone_id=domain.hosted_zone_id if domain else None,
        hosted_zone_name=domain.zone_name if domain else None,
        assets_bucket_name=naming.bucket_name("assets", config.account),
        console=console,
    )


def build_deployment(
    app: cdk.App, config: DeploymentConfig, table: RouteTable | None = None, *, options: SynthOptions | None = None
) -> Deployment:
    table = table or RouteTable.from_module()
    table.validate()  # a table the stacks cannot build fails here, before any stack reads it
    options = options or SynthOptions()
    naming = Naming(config.stage)
    platform = build_application(
        app,
        config,
        naming,
        table,
        sender=config.sender,
        edge_domain=config.domain.name if config.domain else None,
        pool_tenants=config.pool_tenants,
        options=options,
    )
    tenants: dict[str, TenantStack] = {}
    tenant_edges: dict[str, EdgeStack] = {}
    silos: dict[str, Application] = {}
    for tenant in config.pool_tenants:
        stack = TenantStack(
            app,
            naming.tenant_stack(tenant.key),
            config=config,
            naming=naming,
            tenant=tenant,
            user_pool=platform.auth.user_pool,
            alarm_topic=platform.monitoring.alarm_topic,
            ses_events_topic=platform.messaging.ses_events_topic,
            configuration_set_name=naming.configuration_set(tenant.key),
        )
        if tenant.brand_domain:
            edge = EdgeStack(
                app,
                naming.tenant_edge_stack(tenant.key),
                config=config,
                naming=naming,
                api_domain=platform.api.api_domain,
                domain_name=tenant.brand_domain,
                shared=platform.edge.shared,
                description=f"brand domain of tenant {tenant.key}",
            )
            edge.add_stack_dependency(platform.edge)  # the origin-verify secret it reads is the platform's
            stack.add_stack_dependency(edge)
            tenant_edges[tenant.key] = edge
        tenants[tenant.key] = stack
    for tenant in config.silo_tenants:
        silo_naming = Naming(config.stage, silo_key=tenant.key)
        copy = build_application(
            app,
            config,
            silo_naming,
            table,
            sender=tenant.sender,
            edge_domain=tenant.brand_domain,
            pool_tenants=(),
            options=options,
        )
        stack = TenantStack(
            app,
            naming.tenant_stack(tenant.key),
            config=config,
            naming=naming,
            tenant=tenant,
            user_pool=copy.auth.user_pool,
            alarm_topic=copy.monitoring.alarm_topic,
            ses_events_topic=None,
            configuration_set_name=silo_naming.configuration_set(),
        )
        for part in copy.stacks:
            stack.add_stack_dependency(part)
        silos[tenant.key] = copy
        tenants[tenant.key] = stack
    return Deployment(platform=platform, silos=silos, tenants=tenants, tenant_edges=tenant_edges)
