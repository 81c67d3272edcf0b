"""Builds every stack of a deployment from its config and the route table.

Platform (shared by pool tenants):  OutreachPass-<stage>-{Data,Storage,Messaging,Auth,Api,Edge,Monitoring}
Pool tenant <key>:                  OutreachPass-<stage>-Tenant-<key> (+ OutreachPass-<stage>-<key>-Edge
                                    when it has a brand domain)
Silo tenant <key>:                  its own copy OutreachPass-<stage>-<key>-{Data,...,Monitoring}
                                    + OutreachPass-<stage>-Tenant-<key>, which depends on the whole copy
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk

from cdk_app.config import DeploymentConfig, TenantConfig
from cdk_app.function import EmailSending
from cdk_app.naming import Naming
from cdk_app.table import RouteTable
from stacks.api import ApiStack
from stacks.auth import AuthStack
from stacks.base import AppStack
from stacks.data import DataStack
from stacks.edge import EdgeStack
from stacks.messaging import MessagingStack, ses_configuration_set_arn, ses_identity_arn
from stacks.monitoring import MonitoredFunction, MonitoringStack
from stacks.storage import StorageStack
from stacks.tenant import TenantStack

STUB_DEPENDENCIES_CONTEXT = "dependencies_layer"  # -c dependencies_layer=stub: skip pip (tests only)


@dataclass(frozen=True)
class Application:
    """One copy of the application stacks (the platform, or a silo tenant's own)."""

    data: DataStack
    storage: StorageStack
    messaging: MessagingStack
    auth: AuthStack
    api: ApiStack
    edge: EdgeStack
    monitoring: MonitoringStack

    @property
    def stacks(self) -> tuple[AppStack, ...]:
        return (self.data, self.storage, self.messaging, self.auth, self.api, self.edge, self.monitoring)


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
    stub_dependencies: bool,
) -> Application:
    data = DataStack(
        app, naming.stack("Data"), config=config, naming=naming, table=table, stub_dependencies=stub_dependencies
    )
    messaging = MessagingStack(app, naming.stack("Messaging"), config=config, naming=naming, table=table, sender=sender)
    # The upload triggers' queue ARNs make Storage depend on Messaging (which names the buckets literally).
    storage = StorageStack(
        app, naming.stack("Storage"), config=config, naming=naming, table=table, queues=dict(messaging.queues)
    )
    auth = AuthStack(app, naming.stack("Auth"), config=config, naming=naming)
    sender_domains = [messaging.sender_domain, *(tenant.sender_domain for tenant in pool_tenants)]
    configuration_sets = [messaging.configuration_set_name, *(naming.configuration_set(t.key) for t in pool_tenants)]
    email = EmailSending(
        identity_arns=tuple(ses_identity_arn(config, domain) for domain in sender_domains),
        configuration_set_arns=tuple(ses_configuration_set_arn(config, name) for name in configuration_sets),
        configuration_set=messaging.configuration_set_name,
        default_sender=sender,
    )
    api = ApiStack(
        app,
        naming.stack("Api"),
        config=config,
        naming=naming,
        table=table,
        database=data.database_access,
        bucket_names=storage.bucket_names,
        queues=dict(messaging.queues),
        topics=messaging.topics,
        work_dead_letter_queues=dict(messaging.dead_letter_queues),
        secrets=dict(data.integration_secrets),
        email=email,
        auth=auth,
        public_base_url=f"https://{edge_domain}" if edge_domain else None,
        # The Edge stack serves the assets bucket's public images, at their keys, on the edge domain. Only a
        # domain from the config can be named here: the distribution's own name would come from Edge, which
        # depends on this stack (the API's domain), a cycle. Without a domain the card page presigns.
        assets_base_url=f"https://{edge_domain}" if edge_domain else None,
        stub_dependencies=stub_dependencies,
    )
    # Bucket names and the tenants' SES resources are referenced by name, not by token.
    api.add_stack_dependency(storage)
    api.add_stack_dependency(messaging)
    is_platform = naming.silo_key is None
    domain = config.domain if is_platform else None
    edge = EdgeStack(
        app,
        naming.stack("Edge"),
        config=config,
        naming=naming,
        api_domain=api.api_domain,
        domain_name=edge_domain,
        hosted_zone_id=domain.hosted_zone_id if domain else None,
        hosted_zone_name=domain.zone_name if domain else None,
        assets_bucket_name=storage.bucket_names["assets"],
    )
    edge.add_stack_dependency(storage)  # the assets origin names the bucket, not a token
    functions = [
        MonitoredFunction(fn.function_name, fn.spec) for fn in (*api.functions.values(), data.migrate_function)
    ]
    monitoring = MonitoringStack(
        app,
        naming.stack("Monitoring"),
        config=config,
        naming=naming,
        functions=functions,
        http_api=api.http_api,
        cluster_identifier=data.cluster_identifier,
        queues=dict(messaging.queues),
        dead_letter_queues={**messaging.dead_letter_queues, **api.dead_letter_queues},
    )
    monitoring.add_stack_dependency(api)
    monitoring.add_stack_dependency(data)
    return Application(data, storage, messaging, auth, api, edge, monitoring)


def build_deployment(
    app: cdk.App, config: DeploymentConfig, table: RouteTable | None = None, *, stub_dependencies: bool = False
) -> Deployment:
    table = table or RouteTable.from_module()
    table.validate()  # a table the stacks cannot build fails here, before any stack reads it
    naming = Naming(config.stage)
    platform = build_application(
        app,
        config,
        naming,
        table,
        sender=config.sender,
        edge_domain=config.domain.name if config.domain else None,
        pool_tenants=config.pool_tenants,
        stub_dependencies=stub_dependencies,
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
                web_acl_arn=platform.edge.web_acl_arn,
                description=f"brand domain of tenant {tenant.key}",
            )
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
            stub_dependencies=stub_dependencies,
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
