from django.apps import AppConfig
from django.db.models.signals import post_migrate

# What the editorial roles (briefs.editorial.roles) may do here: editors register endpoints and
# follow what is sent to them (webhooks.admin also asks for the publish permission, since an
# endpoint is told of everything published). Analysts get nothing here.
EDITOR_PERMISSIONS = [
    "webhooks.add_endpoint",
    "webhooks.change_endpoint",
    "webhooks.delete_endpoint",
    "webhooks.view_endpoint",
    "webhooks.view_webhookdelivery",
]


def grant_editor_permissions(using="default", **kwargs):
    from briefs.editorial.roles import grant

    grant("Editors", EDITOR_PERMISSIONS, using=using)


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # On this app's own signal, once Django has made its permissions: on a new database
        # they do not exist yet when briefs' post_migrate makes the editorial groups.
        post_migrate.connect(grant_editor_permissions, sender=self)
