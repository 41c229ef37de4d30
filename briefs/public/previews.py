"""Previews of briefs before they are public: staff look from the admin, and outside reviewers
without an account open a shared link.

A shared link's address carries the PreviewLink's id signed with the site's secret key
(django.core.signing), so an address can be neither guessed nor altered into another link's.
The signature only proves the address is ours; the link's row decides whether it still works,
so a link can be revoked before it expires. The signature has no timestamp, so a link keeps
one address for its whole life (changing SECRET_KEY without a fallback retires them all).

The URL converter does the signing both ways: `reverse("briefs:preview", args=[link.pk])` and
`{% url "briefs:preview" link.pk %}` give the signed address, and an address whose signature
does not check out matches no URL at all, so it answers the ordinary 404.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.utils import timezone

from ..models import PreviewLink

TOKEN_SALT = "briefs.preview-link"
TOKEN_SIGNER = signing.Signer(salt=TOKEN_SALT)

# How long a new link may work, in hours, as the admin's "Share a preview" section offers it
# (admin/briefs/brief/_preview_links.html), besides BRIEFS_PREVIEW_HOURS.
OFFERED_HOURS = (24, 72, 7 * 24)


def make_token(link_id):
    return TOKEN_SIGNER.sign_object(link_id)


def link_id_for_token(token):
    """The id of the link a token was made for; ValueError when we did not sign it."""
    try:
        return TOKEN_SIGNER.unsign_object(token)
    except signing.BadSignature as error:
        raise ValueError("Not a preview token of ours.") from error


class PreviewTokenConverter:
    """`<preview_token:link_id>`: a signed link id in the address, the bare id in the view."""

    regex = r"[A-Za-z0-9_:-]+"

    def to_python(self, value):
        return link_id_for_token(value)

    def to_url(self, value):
        return make_token(value)


def link_durations():
    """The lengths, in hours, a link may be made to work for."""
    return sorted({*OFFERED_HOURS, settings.BRIEFS_PREVIEW_HOURS})


def duration_label(hours):
    """A length in words: a week or more in days ("7 days"), anything shorter in hours."""
    return f"{hours // 24} days" if hours >= 7 * 24 and hours % 24 == 0 else f"{hours} hours"


def share_preview(brief, user, hours=None):
    """A new shared preview link of the brief, working for `hours` (by default the site's)."""
    return PreviewLink.objects.create(
        brief=brief,
        created_by=user,
        expires_at=timezone.now() + timedelta(hours=hours or settings.BRIEFS_PREVIEW_HOURS),
    )
