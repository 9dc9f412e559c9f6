"""A stand-in for a self-hosted Jitsi Meet server in the room's browser tests: an HTTPS server on
loopback (a self-signed certificate made for the run) that serves an `external_api.js` whose
JitsiMeetExternalAPI records the arguments the room passes (window.__jitsi) instead of opening a
conference. A test double for an external service; nothing of ours is replaced."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

EXTERNAL_API = b"""
window.JitsiMeetExternalAPI = function (domain, options) {
  window.__jitsi = {
    domain: domain,
    roomName: options.roomName,
    displayName: options.userInfo && options.userInfo.displayName,
    parent: options.parentNode && options.parentNode.id,
  };
  var frame = document.createElement("div");
  frame.setAttribute("data-testid", "fake-jitsi-frame");
  frame.textContent = "conference " + options.roomName;
  options.parentNode.appendChild(frame);
  this.dispose = function () { frame.remove(); window.__jitsiDisposed = true; };
};
"""


def _certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "jitsi.crt", folder / "jitsi.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class FakeJitsi:
    def __init__(self, folder: Path):
        self.requests: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                fake.requests.append(self.path)
                if self.path.split("?")[0] != "/external_api.js":
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/javascript")
                self.send_header("Content-Length", str(len(EXTERNAL_API)))
                self.end_headers()
                self.wfile.write(EXTERNAL_API)

            def log_message(self, format: str, *args) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*_certificate(folder))
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeJitsi:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
