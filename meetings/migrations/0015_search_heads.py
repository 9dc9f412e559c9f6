"""SQLite ranks the matches by their heads (title and the text's first 800 characters) in an
FTS5 table of their own, as PostgreSQL ranks by its `rank_vector`; the heads of the entries
indexed already are written from the index itself. Nothing to do on PostgreSQL."""

from django.db import migrations


def install_heads(apps, schema_editor):
    from meetings.search.backends import fill_heads, install

    install(schema_editor, part="heads")
    fill_heads(schema_editor)


def drop_heads(apps, schema_editor):
    from meetings.search.backends import install

    install(schema_editor, part="heads", drop=True)


class Migration(migrations.Migration):

    dependencies = [
        ('meetings', '0014_meeting_rows_revisions'),
    ]

    operations = [
        migrations.RunPython(install_heads, drop_heads),
    ]
