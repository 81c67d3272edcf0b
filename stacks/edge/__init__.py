"""The edge stack (stack.py) and its constructs: the web ACL (waf.py), the API origin and its behaviours
(api_origin.py), the origin-verify secret (origin_secret.py), the public assets (public_assets.py) and the
console (console.py)."""

from stacks.edge.stack import EDGE_REGION, ConsoleSettings, EdgeStack, SharedEdge

__all__ = ["EDGE_REGION", "ConsoleSettings", "EdgeStack", "SharedEdge"]
