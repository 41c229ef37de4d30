"""On PostgreSQL, each search entry's words kept in its own row instead of out of line.

An entry's words (about 3 KB) passed the 2 KB at which PostgreSQL moves a value to the table's
TOAST storage, so checking a phrase's positions or ranking a candidate read each value through
a second index and table. Rows are kept whole up to 8,160 bytes, and the existing entries are
written again so that theirs move in (on 100,000 briefs, 13 s holding the table; a search
waits for it). SQLite leaves the table empty."""

from django.db import migrations

# A new value of the same type has the table written again, its rows under the table's new
# setting; `USING words` alone would not.
REWRITE = (
    "ALTER TABLE briefs_searchentry ALTER COLUMN words TYPE tsvector USING words || ''::tsvector"
)


def keep_words_in_row(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE briefs_searchentry SET (toast_tuple_target = 8160)")
        schema_editor.execute(REWRITE)


def move_words_out_of_row(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE briefs_searchentry RESET (toast_tuple_target)")
        schema_editor.execute(REWRITE)


class Migration(migrations.Migration):
    dependencies = [
        ("briefs", "0018_search_entry_newest"),
    ]

    operations = [migrations.RunPython(keep_words_in_row, move_words_out_of_row)]
