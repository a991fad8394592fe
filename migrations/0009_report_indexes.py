from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('forum', '0008_response_times')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Like',
            index=Index(fields=['created_at']),
        ),
        ops.AddIndex(
            model_name='Post',
            index=Index(fields=['held', 'created_at']),
        ),
        ops.AddIndex(
            model_name='Thread',
            index=Index(fields=['pinned_globally', 'last_posted_at']),
        ),
    ]
