"""One module per stack of the OutreachPass CDK app; cdk_app.app wires them together."""
