import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

# Written in front of every token, so a token pasted where it should not be (a repository, a
# chat) is recognisable to people and to secret scanners.
TOKEN_PREFIX = "briefs_"


def token_digest(token):
    """What is stored of a token: its SHA-256. A token is 256 random bits, so a fast hash is
    enough (nothing to guess from it), and it can be looked up by it."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(revoked_at__isnull=True, user__is_active=True, user__is_staff=True)


class ApiToken(models.Model):
    """A person's key to the write API: it acts as them, with their permissions. Shown once
    when made; only its digest and first characters are kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(
        max_length=100, help_text="What it is for, e.g. “Newsroom importer”, to tell it apart."
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    shown_start = models.CharField("starts with", max_length=20, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "API token"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.shown_start}…)"

    def issue(self):
        """Give the token its secret; returns the token, the one time it is known."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.digest = token_digest(token)
        self.shown_start = token[: len(TOKEN_PREFIX) + 4]
        return token

    def revoke(self):
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])

    @property
    def is_revoked(self):
        return self.revoked_at is not None
