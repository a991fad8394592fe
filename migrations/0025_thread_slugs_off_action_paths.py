from tortoise import migrations
from tortoise.migrations import operations as ops


# A thread titled "Reply" or "Poll" had the slug of an action page (/t/<id>/reply opened the
# reply form, not the thread): threads.models.thread_slug now keeps them apart, and this moves
# the slugs already given.
class Migration(migrations.Migration):
    dependencies = [('forum', '0024_search_merges_off_the_reply')]

    initial = False

    operations = [
        ops.RunSQL("UPDATE thread SET slug = slug || '-topic' WHERE slug IN ('reply', 'poll')"),
    ]
