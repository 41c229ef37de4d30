from django.apps import AppConfig
from django.db.models.signals import post_migrate

# What the editorial roles (briefs.editorial.roles) may do here. Editors look after readers'
# subscriptions: they correct one (clear a bounce, unsubscribe on request), export or erase it
# on the reader's request, follow the mail going out and set the digest's time. Subscribers
# come only from the subscribe form, whose confirmation is the reader's consent, so nobody adds
# one. Analysts get nothing here: they never see a reader's address.
EDITOR_PERMISSIONS = [
    "subscriptions.view_subscriber",
    "subscriptions.change_subscriber",
    "subscriptions.delete_subscriber",
    "subscriptions.view_mailing",
    "subscriptions.view_delivery",
    "subscriptions.view_mailsettings",
    "subscriptions.change_mailsettings",
]


def grant_editor_permissions(using="default", **kwargs):
    from briefs.editorial.roles import grant

    grant("Editors", EDITOR_PERMISSIONS, using=using)


class SubscriptionsConfig(AppConfig):
    name = "subscriptions"
    verbose_name = "Subscriptions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # On this app's own signal, once Django has made its permissions: on a new database
        # they do not exist yet when briefs' post_migrate makes the editorial groups.
        post_migrate.connect(grant_editor_permissions, sender=self)
