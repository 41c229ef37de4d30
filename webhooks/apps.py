from django.apps import AppConfig

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


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported once the apps are loaded: it uses the auth models.
        from briefs.editorial.roles import grant_after_migrate

        grant_after_migrate(self, "Editors", EDITOR_PERMISSIONS)
