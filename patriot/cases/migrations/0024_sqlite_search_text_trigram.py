# The staff search's text filter on SQLite (the embedded default): an FTS5 table of the cases' titles and descriptions
# with the trigram tokenizer, as cases/0020 made for the reporters' numbers and cases/0021's pg_trgm index is on
# PostgreSQL. External content (the text stays only in cases_case), kept in step by triggers on every insert, change
# of the title or the description, and delete. detail='none': the index keeps which cases hold each trigram, not where
# (a fifth of the size with positions: 6.4 against 33.7 MB at 100,000 cases); cases/search_sql.text_filter asks for
# the cases holding all the text's trigrams and LIKE checks them. SQLite only.

from django.db import migrations

TEXT_TRIGRAM = [
    'CREATE VIRTUAL TABLE "case_text_trigram" USING fts5('
    "title, description, content='cases_case', content_rowid='id', tokenize='trigram', detail='none')",
    'CREATE TRIGGER "case_text_trigram_insert" AFTER INSERT ON "cases_case" BEGIN'
    ' INSERT INTO "case_text_trigram" (rowid, title, description)'
    ' VALUES (new."id", new."title", new."description"); END',
    'CREATE TRIGGER "case_text_trigram_delete" AFTER DELETE ON "cases_case" BEGIN'
    ' INSERT INTO "case_text_trigram" ("case_text_trigram", rowid, title, description)'
    ' VALUES (\'delete\', old."id", old."title", old."description"); END',
    'CREATE TRIGGER "case_text_trigram_update" AFTER UPDATE OF "title", "description", "id" ON "cases_case" BEGIN'
    ' INSERT INTO "case_text_trigram" ("case_text_trigram", rowid, title, description)'
    ' VALUES (\'delete\', old."id", old."title", old."description");'
    ' INSERT INTO "case_text_trigram" (rowid, title, description)'
    ' VALUES (new."id", new."title", new."description"); END',
    # The cases already there.
    'INSERT INTO "case_text_trigram" ("case_text_trigram") VALUES (\'rebuild\')',
]
TEXT_TRIGRAM_DROP = [
    'DROP TRIGGER IF EXISTS "case_text_trigram_insert"',
    'DROP TRIGGER IF EXISTS "case_text_trigram_delete"',
    'DROP TRIGGER IF EXISTS "case_text_trigram_update"',
    'DROP TABLE IF EXISTS "case_text_trigram"',
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in TEXT_TRIGRAM:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in TEXT_TRIGRAM_DROP:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0023_public_map_point_index_category_second"),
    ]

    operations = [migrations.RunPython(create, drop)]
