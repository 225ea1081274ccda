# The staff search at city scale on SQLite (the embedded default): what cases/0017 gave PostgreSQL. SQLite only; each
# index expression is the one cases/search_sql.py writes there (LocalHour, PriorityRank, AscNullsLast): SQLite uses an
# expression index only for the identical expression. The names are PostgreSQL's (cases/0017), whose definitions
# differ only in how each database writes the expression.

from django.conf import settings
from django.db import migrations

# SQLite's FTS5 table of the reporters' numbers (trigram tokenizer: any 3 characters or more match as a substring),
# external content (the numbers stay only in cases_case), kept in step by triggers on every insert, change, delete.
PHONE_TRIGRAM = [
    'CREATE VIRTUAL TABLE "case_reporter_phone_trigram" USING fts5('
    "reporter_phone, content='cases_case', content_rowid='id', tokenize='trigram')",
    'CREATE TRIGGER "case_reporter_phone_trigram_insert" AFTER INSERT ON "cases_case" BEGIN'
    ' INSERT INTO "case_reporter_phone_trigram" (rowid, reporter_phone) VALUES (new."id", new."reporter_phone"); END',
    'CREATE TRIGGER "case_reporter_phone_trigram_delete" AFTER DELETE ON "cases_case" BEGIN'
    ' INSERT INTO "case_reporter_phone_trigram" ("case_reporter_phone_trigram", rowid, reporter_phone)'
    ' VALUES (\'delete\', old."id", old."reporter_phone"); END',
    'CREATE TRIGGER "case_reporter_phone_trigram_update" AFTER UPDATE OF "reporter_phone", "id" ON "cases_case" BEGIN'
    ' INSERT INTO "case_reporter_phone_trigram" ("case_reporter_phone_trigram", rowid, reporter_phone)'
    ' VALUES (\'delete\', old."id", old."reporter_phone");'
    ' INSERT INTO "case_reporter_phone_trigram" (rowid, reporter_phone) VALUES (new."id", new."reporter_phone"); END',
    # The cases already there.
    'INSERT INTO "case_reporter_phone_trigram" ("case_reporter_phone_trigram") VALUES (\'rebuild\')',
]
PHONE_TRIGRAM_DROP = [
    'DROP TRIGGER IF EXISTS "case_reporter_phone_trigram_insert"',
    'DROP TRIGGER IF EXISTS "case_reporter_phone_trigram_delete"',
    'DROP TRIGGER IF EXISTS "case_reporter_phone_trigram_update"',
    'DROP TABLE IF EXISTS "case_reporter_phone_trigram"',
]

ORDER_INDEXES = {
    # sort=due: due_at ASC NULLS LAST, written `due_at IS NULL, due_at` (SQLite's B-trees keep NULLs first); the
    # rowid (id) ends every SQLite index.
    "case_due_order": '(("due_at" IS NULL), "due_at", "created_at")',
    # sort=priority: PriorityRank with its values in the SQL text, then as sort=due.
    "case_priority_order": (
        "((CASE WHEN \"priority\" = 'urgent' THEN 0 WHEN \"priority\" = 'high' THEN 1 ELSE 2 END),"
        ' ("due_at" IS NULL), "due_at", "created_at")'
    ),
}


def _fixed_offset_minutes(zone_name):
    """As cases/search_sql.fixed_utc_offset_minutes (repeated: a migration keeps its own copy)."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(zone_name)
    offsets = {
        datetime(year, month, 1, tzinfo=zone).utcoffset() or timedelta(0)
        for year in range(1970, 2100)
        for month in (1, 4, 7, 10)
    }
    if len(offsets) != 1:
        return None
    minutes = offsets.pop().total_seconds() / 60
    return int(minutes) if minutes.is_integer() else None


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    offset = _fixed_offset_minutes(settings.TIME_ZONE)
    if offset is not None:
        # LocalHour = h, newest first: the city-local hour of the UTC text (to the whole second: SQLite would round
        # a fraction to milliseconds), for a zone of one fixed offset (a zone with daylight saving keeps Django's
        # per-row function, which no index can hold).
        schema_editor.execute(
            'CREATE INDEX IF NOT EXISTS "case_created_hour" ON "cases_case"'
            f" ((CAST(strftime('%H', substr(\"created_at\", 1, 19), '{offset:+d} minutes') AS INTEGER)), \"created_at\")"
        )
    for name, columns in ORDER_INDEXES.items():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "cases_case" {columns}')
    for statement in PHONE_TRIGRAM:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in ["case_created_hour", *ORDER_INDEXES]:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
    for statement in PHONE_TRIGRAM_DROP:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0019_public_map_cell_area_index"),
    ]

    operations = [migrations.RunPython(create, drop)]
