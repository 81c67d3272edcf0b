"""A stand-in for the AWS Parameters and Secrets Lambda Extension: its HTTP interface, backed by moto.

The real extension runs beside the function in Lambda and is unreachable from here; this one answers
the same request on a loopback port, so the runtime's own client (outreachpass.integrations.secrets)
runs unchanged against it in tests and in the cold-start benchmark:

    GET /secretsmanager/get?secretId=<arn or name>    header X-Aws-Parameters-Secrets-Token: <token>
    200  {"ARN", "Name", "VersionId", "SecretString", "VersionStages", "CreatedDate"}  (GetSecretValue's JSON)
    401  no token, or not the function's session token
    400/404  Secrets Manager's refusal (an unknown secret, no such version), its message as the body

Start it with a boto3 Secrets Manager client (moto's) and the token the functions will send; give
the functions PARAMETERS_SECRETS_EXTENSION_HTTP_PORT=<port> and AWS_SESSION_TOKEN=<token>.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN_HEADER = "X-Aws-Parameters-Secrets-Token"  # noqa: S105 (a header name)


class SecretsExtension:
    """A running stand-in on 127.0.0.1 (`port`); `requests` counts the GETs it answered 200."""

    def __init__(self, secretsmanager: Any, token: str) -> None:
        self.token = token
        self.requests = 0
        extension = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path != "/secretsmanager/get":
                    return self._answer(404, b"not found")
                if not token or self.headers.get(TOKEN_HEADER) != token:
                    return self._answer(401, b"unauthorized")
                secret_id = (parse_qs(parts.query).get("secretId") or [""])[0]
                if not secret_id:
                    return self._answer(400, b"secretId is required")
                try:
                    value = secretsmanager.get_secret_value(SecretId=secret_id)
                except Exception as exc:  # botocore's ClientError, as the extension relays Secrets Manager's refusal
                    status = getattr(exc, "response", {}).get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
                    return self._answer(status, str(exc).encode())
                extension.requests += 1
                fields = ("ARN", "Name", "VersionId", "SecretString", "VersionStages")
                body = {key: value[key] for key in fields if key in value}
                body["CreatedDate"] = str(value.get("CreatedDate", ""))
                return self._answer(200, json.dumps(body).encode(), "application/json")

            def _answer(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="secrets-extension", daemon=True)
        self._thread.start()

    def env(self) -> dict[str, str]:
        """What a function needs to find it (as the layer and the Lambda runtime set them)."""
        return {"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": str(self.port), "AWS_SESSION_TOKEN": self.token}

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
