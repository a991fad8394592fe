from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('forum', '0016_content_version')]

    initial = False

    operations = [
        ops.RemoveIndex(
            model_name='Post',
            name=None,
            fields=['author_id', 'created_at'],
        ),
        ops.AddIndex(
            model_name='Post',
            index=Index(fields=['author_id', 'held', 'created_at']),
        ),
    ]
