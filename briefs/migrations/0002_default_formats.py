from django.db import migrations

DEFAULT_FORMATS = ["Flash Brief", "Analysis", "Policy Brief", "Memo"]


def create_default_formats(apps, schema_editor):
    Format = apps.get_model("briefs", "Format")
    for position, name in enumerate(DEFAULT_FORMATS):
        Format.objects.get_or_create(name=name, defaults={"position": position})


class Migration(migrations.Migration):
    dependencies = [("briefs", "0001_initial")]

    operations = [migrations.RunPython(create_default_formats, migrations.RunPython.noop)]
