from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('forum', '0017_member_posts_index')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Notification',
            index=Index(fields=['thread_id', 'read_at', 'kind', 'user_id']),
        ),
    ]
