# The staff search's text filter at city scale (issue 16 item 3), PostgreSQL only: one pg_trgm index on the title and
# the description joined (cases/search_sql.py TitleAndDescription) instead of one on each (cases/0016). The filter's
# `UPPER(title) LIKE … OR UPPER(description) LIKE …` read both indexes and OR-ed the bitmaps; the joined text is one
# index scan, about half the work for a common word. SQLite has neither index and keeps its LIKE scan.

from django.db import migrations

# Exactly the expression `icontains` writes on TitleAndDescription, so that the planner matches it.
TEXT_INDEX = ("case_text_trgm", "UPPER((\"title\" || E'\\n' || \"description\")::text) gin_trgm_ops")
OLD_INDEXES = {
    "case_title_trgm": 'UPPER("title"::text) gin_trgm_ops',
    "case_description_trgm": 'UPPER("description"::text) gin_trgm_ops',
}


def _create(schema_editor, name, expression):
    schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "cases_case" USING gin ({expression})')


def one_text_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")  # a trusted extension (cases/0016 made it)
    _create(schema_editor, *TEXT_INDEX)
    for name in OLD_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def two_text_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, expression in OLD_INDEXES.items():
        _create(schema_editor, name, expression)
    schema_editor.execute(f'DROP INDEX IF EXISTS "{TEXT_INDEX[0]}"')


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0020_sqlite_search_hour_phone_and_order_indexes"),
    ]

    operations = [
        migrations.RunPython(one_text_index, two_text_indexes),
    ]
