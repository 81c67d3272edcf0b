"""Reading synthesized CloudFormation templates: resources by type, references, IAM statements."""

from __future__ import annotations

from typing import Any

# Services whose actions touch data; none of them may ever be granted on Resource "*".
DATA_SERVICES = ("s3", "sqs", "sns", "secretsmanager", "ses", "cognito-idp", "rds", "rds-db", "dynamodb", "kms")


def resources(template: dict, resource_type: str) -> dict[str, dict]:
    return {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == resource_type
    }


def ref_id(value: Any) -> str | None:
    """The logical id behind {"Ref": id} or {"Fn::GetAtt": [id, attr]}."""
    if isinstance(value, dict):
        if "Ref" in value:
            return value["Ref"]
        if "Fn::GetAtt" in value:
            return value["Fn::GetAtt"][0]
    return None


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def flatten(value: Any) -> str:
    """A CloudFormation value as one readable string (joins flattened, references as <id>)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if "Fn::Join" in value:
            delimiter, parts = value["Fn::Join"]
            return delimiter.join(flatten(part) for part in parts)
        if "Ref" in value:
            return f"<{value['Ref']}>"
        if "Fn::GetAtt" in value:
            return f"<{value['Fn::GetAtt'][0]}.{value['Fn::GetAtt'][1]}>"
        if "Fn::ImportValue" in value:
            return f"<import:{flatten(value['Fn::ImportValue'])}>"
        if "Fn::GetStackOutput" in value:
            output = value["Fn::GetStackOutput"]
            return f"<output:{output['StackName']}.{output['OutputName']}>"
    return str(value)


def function_statements(template: dict, function_id: str) -> list[dict]:
    """Every Allow statement of the function's role: inline policies, attached managed policies, policies on it."""
    role_id = ref_id(template["Resources"][function_id]["Properties"]["Role"])
    role = template["Resources"][role_id]["Properties"]
    statements: list[dict] = []
    for policy in role.get("Policies", []):
        statements += policy["PolicyDocument"]["Statement"]
    for managed in role.get("ManagedPolicyArns", []):
        managed_id = ref_id(managed)
        assert managed_id, f"{function_id}: AWS managed policy attached: {managed}"
        statements += template["Resources"][managed_id]["Properties"]["PolicyDocument"]["Statement"]
    for policy in resources(template, "AWS::IAM::Policy").values():
        if any(ref_id(role_ref) == role_id for role_ref in policy["Properties"].get("Roles", [])):
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return [statement for statement in statements if statement["Effect"] == "Allow"]


def granted(statements: list[dict]) -> dict[str, set[str]]:
    """action -> the set of resources (flattened) it is granted on."""
    result: dict[str, set[str]] = {}
    for statement in statements:
        for action in as_list(statement["Action"]):
            result.setdefault(action, set()).update(flatten(resource) for resource in as_list(statement["Resource"]))
    return result


def functions_by_handler(template: dict) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for logical_id, function in resources(template, "AWS::Lambda::Function").items():
        result.setdefault(function["Properties"]["Handler"], []).append(logical_id)
    return result


def route_integration(template: dict, route: dict) -> dict:
    """The properties of the integration a HTTP API route sends to."""
    target = route["Properties"]["Target"]
    integration_id = ref_id(target["Fn::Join"][1][1])
    return template["Resources"][integration_id]["Properties"]


def route_target(template: dict, route: dict) -> str:
    """What a HTTP API route's integration invokes: a function ($LATEST) or an alias of one (SnapStart)."""
    return ref_id(route_integration(template, route)["IntegrationUri"])


def route_function(template: dict, route: dict) -> str:
    """The function a HTTP API route invokes (route -> integration -> [alias ->] function)."""
    target = route_target(template, route)
    resource = template["Resources"][target]
    if resource["Type"] == "AWS::Lambda::Alias":
        return ref_id(resource["Properties"]["FunctionName"])
    return target


def output_target(template: dict, value: Any) -> str | None:
    """The logical id behind a cross-stack reference: {"Fn::GetStackOutput": ...} read in the producing
    stack's template, whose output is a Ref or GetAtt of that resource."""
    if not (isinstance(value, dict) and "Fn::GetStackOutput" in value):
        return None
    output = template["Outputs"][value["Fn::GetStackOutput"]["OutputName"]]
    return ref_id(output["Value"])


def bucket_notifications(storage: dict, messaging: dict) -> set[tuple[str, str, str, str, str]]:
    """Every S3 -> SQS notification of the Storage stack's buckets, as
    (bucket name, event, prefix, suffix, logical id of the queue in the Messaging stack)."""
    found = set()
    for bucket in resources(storage, "AWS::S3::Bucket").values():
        properties = bucket["Properties"]
        for configuration in properties.get("NotificationConfiguration", {}).get("QueueConfigurations", []):
            rules = {rule["Name"]: rule["Value"] for rule in configuration["Filter"]["S3Key"]["Rules"]}
            queue = output_target(messaging, configuration["Queue"])
            assert queue, f"notification to a queue outside the Messaging stack: {configuration['Queue']}"
            found.add(
                (properties["BucketName"], configuration["Event"], rules["prefix"], rules.get("suffix", ""), queue)
            )
    return found


def service_grants(template: dict, service: str) -> set[tuple[str, str, str, str]]:
    """Allow statements of the SQS queue policies for an AWS service principal, as
    (queue logical id, action, flattened aws:SourceArn, aws:SourceAccount)."""
    found = set()
    for policy in resources(template, "AWS::SQS::QueuePolicy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement["Effect"] != "Allow" or statement.get("Principal") != {"Service": service}:
                continue
            conditions = statement.get("Condition", {})
            source_arn = (conditions.get("ArnEquals") or conditions.get("ArnLike") or {}).get("aws:SourceArn")
            source_account = conditions.get("StringEquals", {}).get("aws:SourceAccount")
            for action in as_list(statement["Action"]):
                for resource in as_list(statement["Resource"]):
                    found.add((ref_id(resource), action, flatten(source_arn), source_account))
    return found


class FunctionStacks:
    """The function stacks of one application copy (stacks/functions.py), read together: each table entry's
    function is in exactly one of them, with its role, routes and triggers beside it."""

    def __init__(self, templates: dict[str, dict], prefix: str) -> None:
        from cdk_app.table import FUNCTION_GROUPS

        self.templates = {
            f"{prefix}-{group}": templates[f"{prefix}-{group}"]
            for group in FUNCTION_GROUPS
            if f"{prefix}-{group}" in templates
        }
        assert self.templates, prefix

    def resources(self, resource_type: str) -> list[tuple[dict, str, dict]]:
        """(template, logical id, resource) of every resource of the type, in every function stack."""
        return [
            (template, logical_id, resource)
            for template in self.templates.values()
            for logical_id, resource in resources(template, resource_type).items()
        ]

    def by_handler(self) -> dict[str, list[tuple[dict, str]]]:
        """Handler path -> [(template, function logical id)]."""
        found: dict[str, list[tuple[dict, str]]] = {}
        for template, logical_id, function in self.resources("AWS::Lambda::Function"):
            found.setdefault(function["Properties"]["Handler"], []).append((template, logical_id))
        return found

    def function(self, handler_path: str) -> tuple[dict, str]:
        (only,) = self.by_handler()[handler_path]
        return only

    def stack_of(self, handler_path: str) -> str:
        template, _ = self.function(handler_path)
        return next(name for name, candidate in self.templates.items() if candidate is template)

    def http_routes(self) -> dict[str, tuple[dict, dict]]:
        """Route key -> (template, route resource); a key defined twice fails."""
        found: dict[str, tuple[dict, dict]] = {}
        for template, _, route in self.resources("AWS::ApiGatewayV2::Route"):
            key = route["Properties"]["RouteKey"]
            assert key not in found, f"route {key} defined twice"
            found[key] = (template, route)
        return found
