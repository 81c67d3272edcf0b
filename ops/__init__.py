"""Platform tooling (not deployed to Lambda): commands the platform team runs against the local
stack or a deployed stage, e.g. `python -m ops.tenants`.

Importing the package puts the core layer (`outreachpass`) on the path, as Lambda has it.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
_LAYER = REPO_ROOT / "layers" / "core" / "python"

if str(_LAYER) not in sys.path:
    sys.path.append(str(_LAYER))
