"""The local stack: the same handlers as in AWS, served on loopback with no AWS account.

`python -m local` (what `make dev` runs) starts an embedded PostgreSQL (or uses
DATABASE_URL), applies the migrations, starts moto on loopback with the buckets, queues,
SES identity, secrets and Cognito user pool of the route table, serves every route of
`lambdas/routes.py` over HTTP as API Gateway HTTP API (payload 2.0) events, polls the SQS
queues like Lambda event source mappings, and seeds a demo tenant.

Modules:
    config    LocalConfig: ports, folders, names, timeouts
    database  embedded PostgreSQL (pgserver) or DATABASE_URL, migrations
    aws       moto server and the AWS resources of the route table
    cognito   the local user pool, users and tokens; JWT verification against its JWKS
    events    API Gateway v2 / SQS events and the Lambda context object
    invoke    loading and invoking handler modules
    server    the HTTP server (request -> event -> handler -> response)
    poller    SQS event source mapping emulation
    seed      the demo tenant, brand, event and attendees
    stack     LocalStack: all of the above, started and stopped together
"""
