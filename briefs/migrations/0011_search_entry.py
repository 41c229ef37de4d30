"""Search on PostgreSQL moves to a narrow table of its own, SearchEntry (issue 16): the brief's
words and copies of what a search filters, counts and orders by, under one GIN index over the
words, the heading, the month and the sample bucket (btree_gin lets the last two share it).
The entries of existing briefs are written here from their stored text, in SQL of this
migration's own, so that the search works as soon as the migration has run. SQLite keeps its
FTS5 table and leaves the new one empty."""

import django.contrib.postgres.fields
import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

WRITE_ENTRIES = """
    INSERT INTO briefs_searchentry (brief_id, heading, words, status, publish_at, withdraw_at,
        month, format_id, issue_ids, expert_ids, sample)
    SELECT s.id, h.heading, h.heading || setweight(to_tsvector('english', s.body), 'C'),
        s.status, s.publish_at, s.withdraw_at,
        (extract(year FROM s.publish_at AT TIME ZONE 'UTC') * 12
            + extract(month FROM s.publish_at AT TIME ZONE 'UTC') - 1)::integer,
        s.format_id, s.issue_ids, s.expert_ids, mod(s.id, 1024)
    FROM (
        SELECT b.id, b.title, b.summary, concat_ws(' ',
            (SELECT string_agg(i.name, ' ') FROM briefs_taggedbrief AS t
             JOIN briefs_issue AS i ON i.id = t.tag_id WHERE t.content_object_id = b.id),
            (SELECT string_agg(DISTINCT e.name, ' ') FROM experts_expertquote AS q
             JOIN experts_expert AS e ON e.id = q.expert_id WHERE q.brief_id = b.id)),
            b.search_document, b.status, b.publish_at, b.withdraw_at, b.format_id,
            ARRAY(SELECT t.tag_id FROM briefs_taggedbrief AS t
                WHERE t.content_object_id = b.id ORDER BY t.tag_id),
            ARRAY(SELECT DISTINCT q.expert_id FROM experts_expertquote AS q
                WHERE q.brief_id = b.id ORDER BY q.expert_id)
        FROM briefs_brief AS b
    ) AS s (id, title, summary, names, body, status, publish_at, withdraw_at, format_id,
        issue_ids, expert_ids),
    LATERAL (SELECT setweight(to_tsvector('english', s.title), 'A')
        || setweight(to_tsvector('english', s.summary), 'B')
        || setweight(to_tsvector('english', s.names), 'B') AS heading) AS h
"""
CREATE_INDEX = (
    "CREATE INDEX search_entry_gin ON briefs_searchentry "
    "USING gin (sample, month, words, heading)"
)


def write_entries(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # btree_gin ships with PostgreSQL (contrib); going back leaves it, as others may use it.
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
        schema_editor.execute(WRITE_ENTRIES)
        schema_editor.execute(CREATE_INDEX)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS search_entry_gin")


def restore_brief_index(apps, schema_editor):
    """Going back: the briefs' own vectors, from the entries, and their GIN index."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "UPDATE briefs_brief AS b SET search_vector = e.words "
            "FROM briefs_searchentry AS e WHERE e.brief_id = b.id"
        )
        schema_editor.execute(
            "CREATE INDEX brief_search_vector_gin ON briefs_brief USING gin (search_vector)"
        )


class Migration(migrations.Migration):

    dependencies = [
        ('briefs', '0010_unsaved_edit'),
        ('experts', '0002_single_line_names'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchEntry',
            fields=[
                ('brief', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='search_entry', serialize=False, to='briefs.brief')),
                ('words', django.contrib.postgres.search.SearchVectorField()),
                ('heading', django.contrib.postgres.search.SearchVectorField()),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('review', 'In review'), ('published', 'Published (or scheduled)'), ('withdrawn', 'Withdrawn')], max_length=20)),
                ('publish_at', models.DateTimeField(null=True)),
                ('withdraw_at', models.DateTimeField(null=True)),
                ('month', models.IntegerField(null=True)),
                ('format_id', models.IntegerField(null=True)),
                ('issue_ids', django.contrib.postgres.fields.ArrayField(base_field=models.IntegerField(), default=list, size=None)),
                ('expert_ids', django.contrib.postgres.fields.ArrayField(base_field=models.IntegerField(), default=list, size=None)),
                ('sample', models.IntegerField()),
            ],
            options={
                'verbose_name_plural': 'search entries',
            },
        ),
        migrations.RunPython(write_entries, drop_index),
        migrations.RunPython(migrations.RunPython.noop, restore_brief_index),
        migrations.RemoveField(
            model_name='brief',
            name='search_vector',
        ),
    ]
