"""A mail backend for the delivery tests: it takes messages like Django's locmem backend, but
answers for some addresses as a mail server would when it refuses them."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend

# Address prefixes and what the server answers them.
REFUSALS = {
    "gone": smtplib.SMTPRecipientsRefused({"gone": (550, b"5.1.1 No such mailbox")}),
    "busy": smtplib.SMTPRecipientsRefused({"busy": (451, b"4.3.0 Try again later")}),
}


class RefusingBackend(EmailBackend):
    def send_messages(self, messages):
        for message in messages:
            for prefix, error in REFUSALS.items():
                if message.to[0].startswith(prefix):
                    raise error
        return super().send_messages(messages)


class UnreachableBackend(EmailBackend):
    """A mail server that is down."""

    def open(self):
        raise ConnectionRefusedError(111, "Connection refused")
