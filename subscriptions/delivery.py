"""Mail to subscribers: queued as one row per address, each committed as sent on its own.

When a brief first becomes public (its `brief.published` event, handed over by the worker at
its time), `queue_brief_mail` decides once whether it is mailed (a `Mailing`) and writes a
`Delivery` for every confirmed subscriber who follows it: unique per subscriber and mailing,
so a retried or repeated hand-over adds no one twice.

Senders (tasks started after commit, and by the sweep) hold a few due deliveries at a time
(`claim`: other senders skip them), and commit each as sent the moment the mail server has
said it took it. A sender that dies lets go of what it held, which is queued again for the
next sender: nothing is lost, and nothing it had sent is sent again. The only duplicate left
possible is SMTP's own (the server took a message but the sender died before hearing so), a
window of one message per sender, in milliseconds.
"""

import json
import logging
import smtplib
import time
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, transaction
from django.utils import timezone

from briefs.models import Brief
from common.publication import State
from common.retries import backoff
from common.site import site_domain
from events.handlers import handler
from events.models import Kind
from experts.models import Expert

from . import links, mail, subscribing
from .messages import MessageTemplate
from .models import Delivery, Mailing, Subscriber

logger = logging.getLogger(__name__)

# A brief that becomes public with a publication date further back than this is an archive
# being imported: it is mailed to no one.
ARCHIVE_AGE = timedelta(days=1)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(hours=24)
QUEUE_BATCH = 2000
# Deliveries a sender holds at a time, and how often it asks whether a brief is still public.
CLAIM_BATCH = 50
KEPT_TEMPLATES = 100
# Messages sent over one SMTP connection before a new one: mail servers may limit how many one
# connection carries, and one connection kept for tens of thousands of messages grew the
# sender's memory by about a megabyte per thousand messages (bench/README.md, "Mail").
MESSAGES_PER_CONNECTION = 500
PUBLIC_CHECK_SECONDS = 1.0
DELIVERIES = Delivery._meta.db_table


@handler("subscriptions", kinds=[Kind.BRIEF_PUBLISHED])
def queue_brief_mail(event):
    """A brief became public: decide its mailing, once, and queue a mail per subscriber."""
    brief = Brief.objects.filter(pk=event.payload.get("brief")).first()
    if brief is None or not brief.is_public or Mailing.objects.filter(brief=brief).exists():
        return
    mailing = Mailing.objects.create(
        brief=brief, became_public_at=event.due_at, decision=decide(brief, event.due_at)
    )
    if mailing.decision == Mailing.Decision.SEND:
        queue_mailing(mailing)
        transaction.on_commit(start_senders)


@handler("subscriptions.cancel", kinds=[Kind.BRIEF_WITHDRAWN])
def cancel_brief_mail(event):
    """A brief withdrawn while its mail is going out: the rest is not sent."""
    Delivery.objects.filter(
        mailing__brief=event.payload.get("brief"), status=Delivery.Status.QUEUED
    ).update(status=Delivery.Status.CANCELLED, last_error="The brief was withdrawn.")


def decide(brief, became_public_at):
    if not brief.mail_to_subscribers:
        return Mailing.Decision.NOT_FOR_EMAIL
    if brief.publish_at < became_public_at - ARCHIVE_AGE:
        return Mailing.Decision.ARCHIVE
    if brief.transitions.filter(from_state__in=[State.PUBLISHED, State.EXPIRED]).exists():
        return Mailing.Decision.WAS_PUBLIC
    return Mailing.Decision.SEND


def issue_and_expert_ids(brief):
    issues = list(brief.issues.values_list("pk", flat=True))
    experts = list(Expert.objects.filter(quotes__brief=brief).values_list("pk", flat=True))
    return issues, experts


def queue_mailing(mailing):
    """A delivery for each instant subscriber who follows the brief, written in batches
    (keyset pages of subscriber ids), so memory stays flat however many there are."""
    issues, experts = issue_and_expert_ids(mailing.brief)
    recipients = (
        Subscriber.objects.receiving(Subscriber.Frequency.INSTANT)
        .following(issues, experts)
        .confirmed_by(mailing.became_public_at)
        .order_by("pk")
    )
    last = 0
    while batch := list(recipients.filter(pk__gt=last).values_list("pk", flat=True)[:QUEUE_BATCH]):
        Delivery.objects.bulk_create(
            [Delivery(subscriber_id=pk, kind=Delivery.Kind.BRIEF, mailing=mailing) for pk in batch],
            ignore_conflicts=True,
        )
        last = batch[-1]


def start_senders():
    """After commit: senders for what was just queued. If the queue cannot be reached, the
    sweep starts one instead."""
    from .tasks import send_queued

    for _ in range(settings.BRIEFS_MAIL_SENDERS):
        try:
            send_queued.delay()
        except Exception as error:
            logger.warning("Could not start a mail sender (%r); the sweep will", error)
            return


def send_queued(limit=None):
    """Send due mail until none is left (or `limit` were handled); returns how many were
    handled (sent, failed or found not to be sent)."""
    sender = Sender()
    unflushed_commits(True)
    try:
        while limit is None or sender.handled < limit:
            size = CLAIM_BATCH if limit is None else min(CLAIM_BATCH, limit - sender.handled)
            batch = claim(size)
            if not batch:
                break
            try:
                for delivery in batch:
                    if not sender.handle(delivery):
                        return sender.handled
            finally:
                release(batch)
    finally:
        unflushed_commits(False)
        sender.close()
    return sender.handled


def unflushed_commits(on):
    """On PostgreSQL, a sender's commits (one per message) return before the server has
    flushed them to disk: each would otherwise wait a disk flush, the most of what a message
    costs. A commit is still visible to other senders at once, and a sender that dies loses
    none; only a crash of the database server itself can lose the last fraction of a second
    of them, whose messages would then be sent again. (synchronous_commit, PostgreSQL's
    "Asynchronous Commit": https://www.postgresql.org/docs/current/wal-async-commit.html)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO " + ("OFF" if on else "DEFAULT"))


class Sender:
    """One connection to the mail server, paced to settings.BRIEFS_MAIL_RATE."""

    def __init__(self):
        self.connection = None
        self.sent_on_connection = 0
        self.handled = 0
        self.templates = {}
        self.mailing_briefs = {}
        self.public_briefs = {}
        rate = settings.BRIEFS_MAIL_RATE
        self.interval = 1 / rate if rate > 0 else 0
        self.next_send = time.monotonic()

    def close(self):
        if self.connection is not None:
            try:
                self.connection.close()
            except Exception:
                logger.debug("Closing the mail connection failed", exc_info=True)

    def handle(self, delivery):
        """Send one claimed delivery, or record why not; False if the mail server cannot be
        reached (the rest of the queue then waits for the next sender rather than each
        message failing in turn)."""
        self.handled += 1
        reason = self.why_not_send(delivery)
        if reason:
            Delivery.objects.filter(pk=delivery.pk).update(
                status=Delivery.Status.CANCELLED, last_error=reason
            )
            return True
        if self.connection is None:
            self.connection = get_connection()
        message = self.message_for(delivery)
        self.pace()
        delivery.attempts += 1
        try:
            self.send(message)
        except Exception as error:
            record_failure(delivery, error)
            return not server_unreachable(error)
        mark_sent(delivery)
        return True

    def why_not_send(self, delivery):
        """Why a queued delivery must not go out now, or "" if it may."""
        status = delivery.subscriber.status
        if delivery.kind == Delivery.Kind.CONFIRMATION:
            return "The address bounced." if status == Subscriber.Status.BOUNCED else ""
        if status != Subscriber.Status.ACTIVE:
            return f"The subscriber is {Subscriber.Status(status).label.lower()}."
        if delivery.kind == Delivery.Kind.BRIEF:
            brief_ids = [self.brief_of(delivery.mailing_id)]
        else:
            brief_ids = delivery.payload["briefs"]
        if not any(self.is_public(brief_id) for brief_id in brief_ids):
            return "The brief is no longer public."
        return ""

    def brief_of(self, mailing_id):
        if mailing_id not in self.mailing_briefs:
            self.mailing_briefs[mailing_id] = (
                Mailing.objects.filter(pk=mailing_id).values_list("brief_id", flat=True).get()
            )
        return self.mailing_briefs[mailing_id]

    def is_public(self, brief_id):
        """Whether the brief is public, asked at most once a second per sender: a brief
        withdrawn mid-mailing stops its mail within a second, without a query per message."""
        checked_at, public = self.public_briefs.get(brief_id, (None, False))
        if checked_at is None or time.monotonic() - checked_at > PUBLIC_CHECK_SECONDS:
            public = Brief.objects.published().filter(pk=brief_id).exists()
            self.public_briefs[brief_id] = (time.monotonic(), public)
        return public

    def send(self, message):
        """Send on the sender's connection, opened on first use (Django's SMTP backend
        keeps it open across messages once opened) and renewed every MESSAGES_PER_CONNECTION."""
        if self.sent_on_connection >= MESSAGES_PER_CONNECTION:
            self.connection.close()
            self.sent_on_connection = 0
        self.connection.open()
        self.sent_on_connection += 1
        try:
            deliver_message(self.connection, message)
        except smtplib.SMTPServerDisconnected:
            # The server closed an idle connection: once more on a new one.
            self.connection.close()
            self.connection.open()
            deliver_message(self.connection, message)

    def pace(self):
        if not self.interval:
            return
        wait = self.next_send - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self.next_send = max(self.next_send, time.monotonic()) + self.interval

    def message_for(self, delivery):
        subscriber = delivery.subscriber
        return self.template_for(delivery).message_to(
            subscriber.email,
            f"<delivery-{delivery.pk}@{site_domain()}>",
            links.preferences_url(subscriber),
            links.unsubscribe_url(subscriber),
            self.connection,
        )

    def template_for(self, delivery):
        """The mail of a delivery's mailing or digest, rendered once per sender."""
        if delivery.kind == Delivery.Kind.CONFIRMATION:
            key = ("confirmation", delivery.payload["confirm_url"])
        elif delivery.kind == Delivery.Kind.BRIEF:
            key = ("brief", delivery.mailing_id)
        else:
            key = ("digest", delivery.digest_id, tuple(delivery.payload["briefs"]))
        if key not in self.templates:
            if len(self.templates) >= KEPT_TEMPLATES:
                # Each confirmation link makes one: keep the sender's memory flat.
                self.templates.clear()
            self.templates[key] = MessageTemplate(self.render(delivery), list_id())
        return self.templates[key]

    def render(self, delivery):
        if delivery.kind == Delivery.Kind.CONFIRMATION:
            return mail.confirmation_mail(delivery.payload["confirm_url"])
        if delivery.kind == Delivery.Kind.BRIEF:
            # brief_mail reads the brief again, with its parts: only its id is needed here.
            return mail.brief_mail(Brief(pk=self.brief_of(delivery.mailing_id)))
        briefs = Brief.objects.published().filter(pk__in=delivery.payload["briefs"])
        return mail.digest_mail(delivery.digest, list(briefs.newest_first()))


def deliver_message(connection, message):
    """A message through the mail backend; a prepared one (subscriptions.messages) straight
    to the SMTP connection that backend opened, its bytes and addresses already made."""
    if message.prepared is None:
        connection.send_messages([message])
    else:
        connection.connection.sendmail(message.envelope_from, message.to, message.prepared)


def claim(size):
    """Up to `size` due deliveries with their subscribers, each held by this sender until
    `release()`: other senders skip them.

    On PostgreSQL the hold is a session advisory lock per delivery (its id is the key; nothing
    else here takes advisory locks), which the server drops if the sender dies, so its
    deliveries are queued again for the next sender at once. Each sent message is then
    committed on its own (one statement) while the batch stays held: the status is read again
    after the locks are taken, so a delivery another sender sent and released is not sent
    twice. Elsewhere (SQLite, for development) one sender runs at a time and nothing is held.

    In SQL of its own: it runs for every few messages, and the ORM's compiling of these
    queries cost about as much as sending."""
    now = database_time(timezone.now())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH candidates AS MATERIALIZED (SELECT id FROM {DELIVERIES} "
                "WHERE status = %s AND next_attempt_at <= %s ORDER BY next_attempt_at, id "
                "LIMIT %s) SELECT id FROM candidates WHERE pg_try_advisory_lock(id) LIMIT %s",
                [Delivery.Status.QUEUED, now, size * 4, size],
            )
            held = [row[0] for row in cursor.fetchall()]
            if not held:
                return []
            where, parameters = "d.id = ANY(%s)", [held]
        else:
            where, parameters = "d.next_attempt_at <= %s", [now]
        cursor.execute(
            "SELECT d.id, d.kind, d.mailing_id, d.digest_id, d.payload, d.attempts, "
            "s.id, s.email, s.status "
            f"FROM {DELIVERIES} d JOIN {Subscriber._meta.db_table} s ON s.id = d.subscriber_id "
            f"WHERE {where} AND d.status = %s ORDER BY d.next_attempt_at, d.id LIMIT %s",
            [*parameters, Delivery.Status.QUEUED, size],
        )
        rows = cursor.fetchall()
    batch = [
        Delivery(
            pk=pk,
            kind=kind,
            mailing_id=mailing_id,
            digest_id=digest_id,
            payload=json.loads(payload) if isinstance(payload, str) else payload,
            attempts=attempts,
            status=Delivery.Status.QUEUED,
            subscriber=Subscriber(pk=subscriber_id, email=email, status=status),
        )
        for pk, kind, mailing_id, digest_id, payload, attempts, subscriber_id, email, status in rows
    ]
    if connection.vendor == "postgresql":
        release_ids(set(held) - {delivery.pk for delivery in batch})
    return batch


def release(batch):
    if connection.vendor == "postgresql":
        release_ids([delivery.pk for delivery in batch])


def release_ids(ids):
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_advisory_unlock(key)) FROM unnest(%s::bigint[]) AS key",
                [list(ids)],
            )


def mark_sent(delivery):
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {DELIVERIES} SET status = %s, sent_at = %s, attempts = %s, "
            "last_error = '' WHERE id = %s",
            [Delivery.Status.SENT, database_time(timezone.now()), delivery.attempts, delivery.pk],
        )


def database_time(moment):
    return connection.ops.adapt_datetimefield_value(moment)


def list_id():
    return f"{settings.SITE_NAME} <briefs.{site_domain()}>"


def server_unreachable(error):
    """Whether `error` says the mail server cannot be reached now (smtplib's errors are
    OSErrors too, but a refusal of one message is an answer from a server that is there)."""
    if isinstance(error, (smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected)):
        return True
    return isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException)


def smtp_code(error):
    """The mail server's reply code for this recipient, if it gave one."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return next(iter(error.recipients.values()))[0]
    return getattr(error, "smtp_code", None)


def is_permanent(error):
    """A 5xx about the recipient or the message (not about our sender address, which is the
    site's problem and no reason to stop mailing anyone)."""
    code = smtp_code(error)
    return (
        code is not None and 500 <= code < 600 and not isinstance(error, smtplib.SMTPSenderRefused)
    )


def retry_delay(attempts):
    """A minute after the first failure, doubling, at most an hour apart."""
    return backoff(attempts, FIRST_RETRY, LONGEST_RETRY)


def record_failure(delivery, error):
    now = timezone.now()
    delivery.refresh_from_db(fields=["created_at"])
    delivery.last_error = f"{type(error).__name__}: {error}"[:1000]
    if is_permanent(error):
        delivery.status = Delivery.Status.BOUNCED
        subscribing.bounce(delivery.subscriber_id, delivery.last_error)
    elif now - delivery.created_at >= GIVE_UP_AFTER:
        delivery.status = Delivery.Status.FAILED
    else:
        delivery.next_attempt_at = now + retry_delay(delivery.attempts)
    delivery.save(update_fields=["status", "last_error", "next_attempt_at", "attempts"])
    logger.warning("Mail delivery %s failed: %s", delivery.pk, delivery.last_error)
