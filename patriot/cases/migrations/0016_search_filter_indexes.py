# The staff search's first page and capped count under any one filter at city scale (issue 16 item 3):
# PostgreSQL trigram indexes for the text filter, and (filter, created_at) indexes for the filters that had none.

from django.db import migrations, models

# The text filter is `title ILIKE … OR description ILIKE …`, which Django writes on PostgreSQL as
# UPPER("title"::text) LIKE UPPER(%s): these expressions, indexed with pg_trgm, answer it (BitmapOr). PostgreSQL only
# (GIN and pg_trgm), so not in Case.Meta.indexes; SQLite keeps scanning the newest cases for the word.
TRIGRAM_INDEXES = {
    "case_title_trgm": 'UPPER("title"::text) gin_trgm_ops',
    "case_description_trgm": 'UPPER("description"::text) gin_trgm_ops',
}


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")  # a trusted extension
    for name, expression in TRIGRAM_INDEXES.items():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "cases_case" USING gin ({expression})')


def drop_trigram_indexes(apps, schema_editor):
    """Back: the indexes go, the extension stays (other objects may use it). Django's TrigramExtension is not used
    here because its way back queries pg_extension on SQLite too."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TRIGRAM_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0015_held_photo_files_recorded_for_the_purge"),
    ]

    operations = [
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["channel", "created_at"], name="case_channel_created"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["sla_status", "created_at"], name="case_sla_created"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["priority", "created_at"], name="case_priority_created"),
        ),
    ]
