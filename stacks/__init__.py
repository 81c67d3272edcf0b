"""One module per stack of the OutreachPass CDK app, and the composition root: `stacks.deployment` builds
every stack of a deployment from its config, `stacks.synth` is `make synth`. Imports point one way:
stacks/ uses cdk_app/ (config, naming, constructs), never the reverse."""

import cdk_app  # noqa: F401  # first: it puts lambdas/ on the path, where the route table is `routes`
