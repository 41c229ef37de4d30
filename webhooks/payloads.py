"""What a webhook says, and how its receiver knows it is ours (docs/webhooks.md).

The body is JSON: the delivery's id (the same at every attempt, so receivers can recognise a
retry), the kind, when it happened, and what a receiver needs of the change, built from what
the event kept. Who made the change is never sent: staff names stay inside.

`Briefs-Signature: t=<unix seconds>,v1=<hex>` is Stripe's scheme: an HMAC-SHA256 with the
endpoint's secret of the timestamp, a dot and the raw body. Made at each attempt, so the
timestamp says when it was sent and a receiver can refuse an old one played back. While a
replaced secret is still kept, a second v1 is made with it.
"""

import hashlib
import hmac
import json

from django.conf import settings

from common.site import absolute
from events.models import Kind

from .models import PING

USER_AGENT = "Briefs-Webhooks/1"
# The content API's page of a brief: a path rather than a reverse() of the API's name, so that
# webhooks do not depend on the API's app (docs/api.md keeps it stable).
API_BRIEF_PATH = "/api/v1/briefs/{slug}/"
GONE = {Kind.BRIEF_WITHDRAWN, Kind.BRIEF_DELETED}
NAMED = {Kind.EXPERT_CHANGED, Kind.ISSUE_CHANGED}


def body(delivery):
    """The delivery's body as bytes, the same at every attempt (needs its event and
    endpoint selected)."""
    if delivery.kind == PING:
        occurred_at, data = delivery.created_at, ping_data(delivery.endpoint)
    else:
        event = delivery.event
        occurred_at, data = event.due_at, data_of(event.kind, event.payload)
    document = {
        "id": delivery.pk,
        "kind": delivery.kind,
        "occurred_at": occurred_at.isoformat(),
        "data": data,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def data_of(kind, payload):
    """What a receiver is told of a change, from the event's payload."""
    if kind in NAMED:
        return {"slug": payload["slug"], "name": payload["name"], "url": absolute(payload["url"])}
    brief = {"slug": payload["slug"], "title": payload["title"], "url": absolute(payload["url"])}
    if kind in GONE:
        return brief
    return {
        **brief,
        "api_url": absolute(API_BRIEF_PATH.format(slug=payload["slug"])),
        "publish_at": payload["publish_at"],
        "issues": payload["issues"],
        "experts": payload["experts"],
    }


def ping_data(endpoint):
    return {
        "endpoint": endpoint.name,
        "message": f"A test from {settings.SITE_NAME}: webhooks reach this endpoint.",
    }


def signature(secret, timestamp, body):
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secrets, timestamp, body):
    return ",".join(
        [f"t={timestamp}", *(f"v1={signature(secret, timestamp, body)}" for secret in secrets)]
    )


def headers(delivery, body, secrets, timestamp):
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Briefs-Event": delivery.kind,
        "Briefs-Delivery": str(delivery.pk),
        "Briefs-Signature": signature_header(secrets, timestamp, body),
    }
