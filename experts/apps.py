from django.apps import AppConfig


class ExpertsConfig(AppConfig):
    name = "experts"
    default_auto_field = "django.db.models.BigAutoField"
