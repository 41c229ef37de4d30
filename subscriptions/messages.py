"""A rendered mail made into one message per recipient, fast.

Generating a MIME message with Python's email package costs about a millisecond: more than
everything else a sender does for a message together. So for the SMTP backend the message is
generated once per mail, with the recipient's parts (address, message id, date, their two
links) as placeholders, and each recipient's bytes are that template with the placeholders
replaced. That holds only while the generated parts are 8-bit text, not quoted-printable or
base64 (which would hide the placeholders): the template is checked for every placeholder, and
otherwise, or for an address that is not ASCII, the message is generated whole, as it is for
every other backend (django-anymail's services read the message's fields, not its bytes).
"""

from email.utils import formatdate

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address

from . import mail

TO = "recipient@recipient.invalid"
MESSAGE_ID = "<message-id@recipient.invalid>"
DATE = "Placeholder, 01 Jan 1970 00:00:00 -0000"
PLACEHOLDERS = (TO, MESSAGE_ID, DATE, mail.PREFERENCES_URL, mail.UNSUBSCRIBE_URL)


class PreparedMessage(EmailMultiAlternatives):
    """A message whose bytes, when known, were made from its mail's template, and its
    envelope sender with them (Django's SMTP backend would parse the From address again for
    every message)."""

    prepared = None
    envelope_from = None

    def message(self):
        if self.prepared is None:
            return super().message()
        return _PreparedBytes(self.prepared)


class _PreparedBytes:
    """As much of email.message.Message as Django's SMTP and console backends use."""

    def __init__(self, data):
        self.data = data

    def as_bytes(self, unixfrom=False, linesep="\n"):
        return self.data if linesep == "\r\n" else self.data.replace(b"\r\n", linesep.encode())

    def get_charset(self):
        return None


class MessageTemplate:
    def __init__(self, rendered, list_id):
        self.rendered, self.list_id = rendered, list_id
        template = self._build(TO, MESSAGE_ID, DATE, mail.PREFERENCES_URL, mail.UNSUBSCRIBE_URL)
        self.template = template.message().as_bytes(linesep="\r\n")
        self.reusable = all(part.encode() in self.template for part in PLACEHOLDERS)
        self.envelope_from = sanitize_address(template.from_email, template.encoding or "utf-8")

    def message_to(self, address, message_id, preferences_url, unsubscribe_url, connection):
        date = formatdate()
        message = self._build(address, message_id, date, preferences_url, unsubscribe_url)
        if self.reusable and address.isascii() and isinstance(connection, SMTPBackend):
            values = (address, message_id, date, preferences_url, unsubscribe_url)
            data = self.template
            for placeholder, value in zip(PLACEHOLDERS, values, strict=True):
                data = data.replace(placeholder.encode(), value.encode())
            message.prepared, message.envelope_from = data, self.envelope_from
        return message

    def _build(self, address, message_id, date, preferences_url, unsubscribe_url):
        html, text = self.rendered.personalised(preferences_url, unsubscribe_url)
        message = PreparedMessage(
            subject=self.rendered.subject,
            body=text,
            from_email=settings.BRIEFS_MAIL_FROM,
            to=[address],
            reply_to=[settings.BRIEFS_MAIL_REPLY_TO],
            headers={
                "Date": date,
                "List-Unsubscribe": f"<{unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "List-Id": self.list_id,
                # One id per delivery: a receiving server that sees it twice may drop the copy.
                "Message-ID": message_id,
            },
        )
        message.attach_alternative(html, "text/html")
        return message
