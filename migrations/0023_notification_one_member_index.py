from tortoise import migrations
from tortoise.migrations import operations as ops

class Migration(migrations.Migration):
    dependencies = [('forum', '0022_watch_covering_indexes')]

    initial = False

    operations = [
        ops.RemoveIndex(
            model_name='Notification',
            name=None,
            fields=['user_id', 'created_at'],
        ),
    ]
