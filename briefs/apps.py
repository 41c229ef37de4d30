from django.apps import AppConfig
from django.db.models.signals import post_migrate


class BriefsConfig(AppConfig):
    name = "briefs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import signals
        from .editorial.roles import ensure_editorial_groups

        signals.connect()

        # After migrate, when Django has made the permissions the groups are built from.
        post_migrate.connect(ensure_editorial_groups, sender=self)
