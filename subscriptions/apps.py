from django.apps import AppConfig

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


class SubscriptionsConfig(AppConfig):
    name = "subscriptions"
    verbose_name = "Subscriptions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported once the apps are loaded: it uses the auth models.
        from briefs.editorial.roles import grant_after_migrate

        grant_after_migrate(self, "Editors", EDITOR_PERMISSIONS)
