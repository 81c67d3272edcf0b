"""One module per stack of the OutreachPass CDK app; cdk_app.app wires them together."""

import cdk_app  # noqa: F401  # first: it puts lambdas/ on the path, where the route table is `routes`
