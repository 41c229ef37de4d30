"""On PostgreSQL, a GIN index over each search entry's issue ids: the public briefs filed under
several issues at once are found by intersecting the index's lists, then read from the narrow
entries (briefs.public.search.public_ids_filed_under_all). SQLite leaves the table empty."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX search_entry_issues ON briefs_searchentry USING gin (issue_ids)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX search_entry_issues")


class Migration(migrations.Migration):
    dependencies = [
        ("briefs", "0016_cards_token"),
    ]

    operations = [migrations.RunPython(create, drop)]
