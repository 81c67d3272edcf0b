"""OutreachPass runtime core: shared by every Lambda function through the core layer.

Layers inside: `api` (handler conventions: resolver, envelope, errors, auth), `services`
(business rules), `data` (SQL), `integrations` (AWS and third-party clients), `models`
(pydantic request/response shapes), `db` (connections, migrations), `config` (typed env).
"""
