from django.db import migrations

# 0011's TRUNCATE trigger emptied cases_publicmapcell with a TRUNCATE of its own. When one statement truncates both
# tables (Django's flush between transactional tests, `TRUNCATE cases_case, cases_publicmapcell, ...`), PostgreSQL
# refuses the inner TRUNCATE ("cannot TRUNCATE ... being used by active queries in this session"). A DELETE empties
# the counts just the same and is allowed there.

CLEAR_BY_DELETE = """
    CREATE OR REPLACE FUNCTION cases_public_map_cell_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM cases_publicmapcell;
        RETURN NULL;
    END $$
"""
CLEAR_BY_TRUNCATE = """
    CREATE OR REPLACE FUNCTION cases_public_map_cell_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE cases_publicmapcell;
        RETURN NULL;
    END $$
"""


def clear_by_delete(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CLEAR_BY_DELETE)


def clear_by_truncate(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CLEAR_BY_TRUNCATE)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0013_reporter_and_supporter_language"),
    ]

    operations = [migrations.RunPython(clear_by_delete, clear_by_truncate)]
