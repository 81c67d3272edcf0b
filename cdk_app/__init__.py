"""CDK building blocks of OutreachPass: typed config, naming, bundling, the per-entry function, cdk-nag."""
