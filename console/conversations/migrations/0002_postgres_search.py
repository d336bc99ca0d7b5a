"""PostgreSQL only: a stored Dutch tsvector of the user messages, with a GIN index.

Not a model field: SQLite has no tsvector (search there uses LIKE on search_text), and the
column is computed by PostgreSQL itself, so the ingest never writes it.
"""
from django.db import migrations

ADD = """
ALTER TABLE conversations_conversation
  ADD COLUMN search_vector tsvector
  GENERATED ALWAYS AS (to_tsvector('dutch'::regconfig, search_text)) STORED;
CREATE INDEX conv_search_vector ON conversations_conversation USING gin (search_vector);
"""
DROP = """
DROP INDEX IF EXISTS conv_search_vector;
ALTER TABLE conversations_conversation DROP COLUMN IF EXISTS search_vector;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("conversations", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
