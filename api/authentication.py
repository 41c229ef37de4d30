"""Personal API tokens, sent as `Authorization: Bearer <token>`."""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .models import ApiToken, token_digest

# last_used_at is for people deciding which tokens to revoke: a write per request would
# serve nobody.
LAST_USED_RESOLUTION = timedelta(minutes=5)


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() != self.keyword.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the token as `Authorization: Bearer <token>`, with nothing else."
            )
        token = header[1].decode(errors="replace")
        found = ApiToken.objects.select_related("user").filter(digest=token_digest(token)).first()
        if found is None:
            raise exceptions.AuthenticationFailed("This token is not one of ours.")
        if found.is_revoked:
            raise exceptions.AuthenticationFailed("This token has been revoked.")
        user = found.user
        if not (user.is_active and user.is_staff):
            raise exceptions.AuthenticationFailed("This token's account may no longer sign in.")
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        return user, found

    def authenticate_header(self, request):
        return self.keyword


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = TokenAuthentication
    name = "token"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal token, made in the admin under API tokens.",
        }
