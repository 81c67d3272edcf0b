"""CDK building blocks of OutreachPass: typed config, naming, bundling, the per-entry function, cdk-nag."""

import sys
from pathlib import Path

# The route table is imported as `routes` everywhere: that is its name in the Lambda code root
# (lambdas/), so the CDK side puts that folder on the path too instead of loading the same file a
# second time as `lambdas.routes` (two modules, two sets of classes). tests/unit/test_layering.py
# holds every module to the one name.
_LAMBDAS_DIR = str(Path(__file__).resolve().parent.parent / "lambdas")
if _LAMBDAS_DIR not in sys.path:
    sys.path.append(_LAMBDAS_DIR)
