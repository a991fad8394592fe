from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('forum', '0021_awaiting_confirmation')]

    initial = False

    operations = [
        ops.RemoveIndex(
            model_name='ThreadWatch',
            name=None,
            fields=['thread_id', 'level'],
        ),
        ops.AddIndex(
            model_name='ThreadWatch',
            index=Index(fields=['thread_id', 'level', 'user_id']),
        ),
        ops.RemoveIndex(
            model_name='CategoryWatch',
            name=None,
            fields=['category_id', 'level'],
        ),
        ops.AddIndex(
            model_name='CategoryWatch',
            index=Index(fields=['category_id', 'level', 'user_id']),
        ),
    ]
