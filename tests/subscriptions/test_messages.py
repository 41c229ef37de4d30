"""A message made from its mail's template (subscriptions.messages) is the message Django
would have generated for that recipient: same headers, same parts."""

import email
from email import policy

import pytest
from django.core.mail.backends.locmem import EmailBackend as MemoryBackend
from django.core.mail.backends.smtp import EmailBackend

from subscriptions import mail
from subscriptions.messages import MessageTemplate, PreparedMessage
from tests.factories import BriefFactory, ExpertQuoteFactory

pytestmark = pytest.mark.django_db

LINKS = (
    "https://briefs.example.org/subscribe/preferences/abc:def/",
    "https://briefs.example.org/subscribe/unsubscribe/ghi:jkl/",
)


def parsed(data):
    return email.message_from_bytes(data, policy=policy.default)


def generated_whole(message):
    return super(PreparedMessage, message).message().as_bytes(linesep="\r\n")


def test_a_prepared_message_is_the_one_django_would_generate():
    brief = BriefFactory(
        title="Ports reopen — “slowly”", summary="Cargo moves again, café by café."
    )
    ExpertQuoteFactory(brief=brief)
    template = MessageTemplate(mail.brief_mail(brief), "Briefs <briefs.example.org>")
    message = template.message_to(
        "reader@example.org", "<delivery-7@briefs.example.org>", *LINKS, EmailBackend()
    )

    assert template.reusable
    prepared, whole = parsed(message.prepared), parsed(generated_whole(message))
    for header in ("From", "To", "Reply-To", "Subject", "Date", "Message-ID", "List-Unsubscribe",
                   "List-Unsubscribe-Post", "List-Id"):  # fmt: skip
        assert prepared[header] == whole[header], header
    assert prepared["To"] == "reader@example.org"
    assert prepared["List-Unsubscribe"] == f"<{LINKS[1]}>"
    prepared_parts = [part.get_content() for part in prepared.walk() if not part.is_multipart()]
    whole_parts = [part.get_content() for part in whole.walk() if not part.is_multipart()]
    assert prepared_parts == whole_parts
    assert all(LINKS[0] in part and LINKS[1] in part for part in prepared_parts)


def test_other_backends_get_messages_generated_whole():
    template = MessageTemplate(mail.brief_mail(BriefFactory()), "Briefs <briefs.example.org>")
    message = template.message_to("reader@example.org", "<d-1@x>", *LINKS, MemoryBackend())

    assert message.prepared is None
    assert parsed(message.message().as_bytes())["To"] == "reader@example.org"
