from tortoise import migrations
from tortoise.migrations import operations as ops


# SQLite's full-text index merges its segments a little on every write by default
# ('automerge'), reading older segments inside the write turn every process waits on. Off:
# a write adds its own small segment, and FTS5 merges a level once it holds 16 ('crisismerge'),
# reading segments written moments before. The index is merged into one segment first
# ('optimize', about 2 s at a million posts), so the merges that follow read only segments
# written since.
# PostgreSQL's GIN indexes need nothing.
async def full_text_merges(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect == "sqlite":
        await client.execute_script(
            "INSERT INTO search_fts(search_fts, rank) VALUES ('automerge', 0);"
            " INSERT INTO search_fts(search_fts) VALUES ('optimize');"
        )


class Migration(migrations.Migration):
    dependencies = [('forum', '0023_notification_one_member_index')]

    initial = False

    operations = [
        ops.RunPython(full_text_merges),
    ]
