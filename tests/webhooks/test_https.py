"""Over https, the connection goes to the address checked, while TLS still names and verifies
the host: the server is asked for the host's name (SNI) and its certificate must be for it.
The receiver is a real TLS server on 127.0.0.1 with a certificate made here by openssl, which
the sender trusts through SSL_CERT_FILE, as a site would trust its own CA."""

import shutil
import ssl
import subprocess

import pytest

from briefs.editorial import changes
from briefs.models import Brief
from tests.factories import BriefFactory
from tests.webhooks.conftest import Receiver, make_endpoint
from webhooks.models import WebhookDelivery

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command"),
]

HOST = "hooks.example.test"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for HOST, and its key."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-days", "2", "-subj", f"/CN={HOST}", "-addext", f"subjectAltName=DNS:{HOST}",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_receiver(certificate, loopback_allowed, monkeypatch, dns):
    cert, key = certificate
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    receiver = Receiver()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    receiver.server_names = []
    context.sni_callback = lambda sock, name, ctx: receiver.server_names.append(name)
    receiver.server.socket = context.wrap_socket(receiver.server.socket, server_side=True)
    dns[HOST] = ["127.0.0.1"]
    dns["other.example.test"] = ["127.0.0.1"]
    yield receiver.start()
    receiver.stop()


def publish(editor):
    changes.publish_now(BriefFactory(status=Brief.Status.DRAFT, publish_at=None), editor)


def test_https_goes_to_the_checked_address_and_verifies_the_host(tls_receiver, deliver, editor):
    make_endpoint(f"https://{HOST}:{tls_receiver.port}/hook")
    publish(editor)

    deliver()

    sent = WebhookDelivery.objects.get()
    assert (sent.status, sent.response_status) == (WebhookDelivery.Status.SENT, 200)
    assert tls_receiver.server_names == [HOST]
    assert tls_receiver.requests[0].headers["Host"] == f"{HOST}:{tls_receiver.port}"


def test_a_certificate_for_another_host_is_refused(tls_receiver, deliver, editor):
    make_endpoint(f"https://other.example.test:{tls_receiver.port}/hook")
    publish(editor)

    deliver()

    sent = WebhookDelivery.objects.get()
    assert sent.status == WebhookDelivery.Status.FAILED
    assert sent.last_error.startswith(
        "The server's certificate was not accepted: Hostname mismatch"
    )
    assert tls_receiver.requests == []
