"""Webhooks go only to public addresses over http(s): refused when an endpoint is saved, with a
message an editor understands, and again at every send (tests/webhooks/test_delivery.py).
Names resolve through the tests' own DNS (conftest.dns): nothing here asks a real one."""

import pytest
from django.core.exceptions import ValidationError

from tests.pages import visible_text
from webhooks.models import Endpoint

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/webhooks/endpoint/add/"


@pytest.fixture(autouse=True)
def loopback_refused(settings):
    """As in production, whatever the environment running the tests says."""
    settings.BRIEFS_WEBHOOKS_ALLOW_LOOPBACK = False


def refusal(url):
    """The message saving an endpoint with this address gives, or "" if it is taken."""
    endpoint = Endpoint(name="Partner", url=url, kinds=["brief.published"])
    try:
        endpoint.full_clean()
    except ValidationError as refused:
        return " ".join(refused.message_dict["url"])
    return ""


@pytest.mark.parametrize(
    "url, message",
    [
        (
            "http://127.0.0.1/",
            "127.0.0.1 is a loopback address (this server): webhooks go only to addresses on "
            "the public internet.",
        ),
        (
            "http://10.0.0.1/",
            "10.0.0.1 is a private network address: webhooks go only to addresses on the "
            "public internet.",
        ),
        (
            "http://169.254.169.254/",
            "169.254.169.254 is a cloud metadata address: webhooks go only to addresses on the "
            "public internet.",
        ),
        (
            "http://[::1]/",
            "::1 is a loopback address (this server): webhooks go only to addresses on the "
            "public internet.",
        ),
        (
            "http://localhost/",
            "localhost is this server itself: webhooks go only to addresses on the public "
            "internet.",
        ),
        (
            "ftp://example.org/",
            "Use an http:// or https:// address: ftp:// cannot receive webhooks.",
        ),
        (
            "http://user:pass@example.org/",
            "Take the user name and password out of the address: receivers know a delivery is "
            "ours by its signature, made with the endpoint's secret.",
        ),
    ],
)
def test_an_editor_is_told_why_an_address_is_refused(editor_client, url, message):
    fields = {"name": "Partner", "url": url, "kinds": ["brief.published"], "active": "on"}

    page = editor_client.post(ADD_URL, fields)

    assert page.status_code == 200
    assert message in visible_text(page)
    assert not Endpoint.objects.exists()


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://[fd00:ec2::254]/", "a cloud metadata address"),
        ("http://[::ffff:127.0.0.1]/", "a loopback address"),
        ("http://[::ffff:10.1.2.3]/", "a private network address"),
        ("http://[64:ff9b::a00:1]/", "a private network address"),  # NAT64 of 10.0.0.1
        ("http://[2002:a00:1::1]/", "a private network address"),  # 6to4 of 10.0.0.1
        ("http://[fe80::1]/", "a link-local address"),
        ("http://172.16.5.4/", "a private network address"),
        ("http://192.168.0.10/", "a private network address"),
        ("http://100.64.0.1/", "a reserved address"),  # shared (carrier-grade NAT)
        ("http://100.100.100.200/", "a cloud metadata address"),
        ("http://0.0.0.0/", "an unspecified address"),
        ("http://224.0.0.1/", "a multicast address"),
        ("http://240.0.0.1/", "a private network address"),
        ("http://api.localhost/", "this server itself"),
    ],
)
def test_every_kind_of_internal_address_is_refused(url, reason):
    assert reason in refusal(url)


def test_a_name_is_judged_by_every_address_it_resolves_to(dns):
    dns["hooks.example.org"] = ["93.184.215.14"]
    dns["intranet.example.org"] = ["93.184.215.14", "10.20.30.40"]

    assert refusal("https://hooks.example.org/briefs?token=1") == ""
    assert refusal("https://intranet.example.org/") == (
        "intranet.example.org points to 10.20.30.40, a private network address: webhooks go "
        "only to addresses on the public internet."
    )
    assert refusal("https://nowhere.example.org/") == (
        "nowhere.example.org could not be found (Name or service not known)."
    )


def test_a_public_address_written_out_is_taken():
    assert refusal("http://93.184.215.14:8080/hook") == ""
    assert refusal("https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/hook") == ""


def test_the_loopback_setting_lets_loopback_through_and_nothing_else(settings, dns):
    settings.BRIEFS_WEBHOOKS_ALLOW_LOOPBACK = True
    dns["localhost"] = ["127.0.0.1", "::1"]

    assert refusal("http://127.0.0.1:8123/") == ""
    assert refusal("http://[::1]:8123/") == ""
    assert refusal("http://localhost:8123/") == ""
    assert "a private network address" in refusal("http://10.0.0.1/")
    assert "a cloud metadata address" in refusal("http://169.254.169.254/")
