"""The APNs client over a real HTTP/2 connection: a tiny TLS server on loopback speaking h2 only
(ALPN "h2", the h2 state machine), so httpx's HTTP/2 path, the headers APNs reads and the
status handling are exercised for real. Apple's servers are never contacted."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import ssl
import threading

import h2.config
import h2.connection
import h2.events
import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from local.wallet_credentials import ensure_credentials, secret_values
from outreachpass.integrations.wallet.apns import ApnsClient, ApnsConfigurationError, ApnsError
from outreachpass.integrations.wallet.credentials import parse_apns_credentials


class H2Server:
    """Answers every request with the status scripted for its device token (200 by default)."""

    def __init__(self, tmp_path):
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=1))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        self.cert_path = tmp_path / "server.pem"
        key_path = tmp_path / "server.key"
        self.cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(self.cert_path, key_path)
        self.context.set_alpn_protocols(["h2"])
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.requests: list[dict] = []
        self.responses: dict[str, tuple[int, str | None]] = {}
        self.alpn: list[str | None] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                raw, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._connection, args=(raw,), daemon=True).start()

    def _connection(self, raw: socket.socket) -> None:
        try:
            tls = self.context.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            return
        self.alpn.append(tls.selected_alpn_protocol())
        conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
        conn.initiate_connection()
        tls.sendall(conn.data_to_send())
        streams: dict[int, dict] = {}
        with tls:
            while True:
                try:
                    data = tls.recv(65535)
                except OSError:
                    return
                if not data:
                    return
                for event in conn.receive_data(data):
                    if isinstance(event, h2.events.RequestReceived):
                        streams[event.stream_id] = {"headers": dict(event.headers), "body": b""}
                    elif isinstance(event, h2.events.DataReceived):
                        streams[event.stream_id]["body"] += event.data
                        conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                    elif isinstance(event, h2.events.StreamEnded):
                        request = streams.pop(event.stream_id)
                        self.requests.append(request)
                        token = request["headers"][":path"].rsplit("/", 1)[-1]
                        status, reason = self.responses.get(token, (200, None))
                        body = json.dumps({"reason": reason}).encode() if reason else b""
                        conn.send_headers(event.stream_id, [(":status", str(status)), ("apns-id", "0000-test")], end_stream=not body)
                        if body:
                            conn.send_data(event.stream_id, body, end_stream=True)
                tls.sendall(conn.data_to_send())

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def server(tmp_path):
    found = H2Server(tmp_path)
    yield found
    found.close()


@pytest.fixture(scope="module")
def token_credentials(tmp_path_factory):
    return parse_apns_credentials(secret_values(ensure_credentials(tmp_path_factory.mktemp("apns")))["apns"])


def client(server: H2Server, credentials) -> ApnsClient:
    verify = ssl.create_default_context(cafile=str(server.cert_path))
    transport = httpx.HTTPTransport(http2=True, verify=verify)  # the same transport httpx builds for http2=True
    return ApnsClient(f"https://127.0.0.1:{server.port}", token=credentials, transport=transport)


def test_a_push_is_an_http2_post_with_the_apns_headers(server, token_credentials):
    apns = client(server, token_credentials)
    try:
        first = apns.push("a1b2c3", topic="pass.com.example.cards")
        second = apns.push("d4e5f6", topic="pass.com.example.cards")
    finally:
        apns.close()
    assert (first.status, first.apns_id, second.status) == (200, "0000-test", 200)
    assert server.alpn == ["h2"]  # one connection, HTTP/2, reused for both pushes
    request = server.requests[0]
    headers = request["headers"]
    assert headers[":method"] == "POST"
    assert headers[":path"] == "/3/device/a1b2c3"
    assert headers["apns-topic"] == "pass.com.example.cards"
    assert headers["authorization"].startswith("bearer ey")
    assert request["body"] == b"{}"


def test_gone_devices_are_reported_and_throttling_or_refusal_raise(server, token_credentials):
    server.responses.update({
        "gone": (410, "Unregistered"),
        "bad": (400, "BadDeviceToken"),
        "busy": (429, "TooManyRequests"),
        "refused": (403, "InvalidProviderToken"),
    })
    apns = client(server, token_credentials)
    try:
        assert apns.push("gone", topic="t").gone
        assert apns.push("bad", topic="t").gone
        with pytest.raises(ApnsError):
            apns.push("busy", topic="t")
        with pytest.raises(ApnsConfigurationError):
            apns.push("refused", topic="t")
    finally:
        apns.close()


def test_an_unreachable_apns_is_a_retryable_error(token_credentials):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    apns = ApnsClient(f"https://127.0.0.1:{port}", token=token_credentials, transport=httpx.HTTPTransport(http2=True, retries=0))
    with pytest.raises(ApnsError, match="unreachable"):
        apns.push("a1", topic="t")
