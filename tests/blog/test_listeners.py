"""What each guest-post move sets off: who is told, points and the badge, the discussion thread,
and the clock's moves (scheduled publication, expired invitations)."""

from datetime import UTC, datetime, timedelta

from forum.advocacy import service as advocacy
from forum.advocacy.models import BadgeAward
from forum.blog import service
from forum.blog.models import GuestPost
from forum.notifications.models import Notification
from forum.threads.models import Thread
from tests.conftest import make_user

BODY = "A reading corner wants warm light from behind the shoulder, never from the front. " * 4


async def _kinds(user) -> list[str]:
    rows = await Notification.filter(user_id=user.id, kind__startswith="gp_").order_by("id")
    return [row.kind for row in rows]


async def _written(editor, author) -> GuestPost:
    post = await service.invite(editor, author, topic="Lighting a reading corner",
                                brief="Three setups members love", message="Would you?",
                                due="2099-01-31")  # fmt: skip
    await service.move(post, author, "accept")
    await service.save_draft(post, author, title="Lighting a reading corner",
                             summary="Three setups that our members love.", body=BODY)  # fmt: skip
    return post


async def test_each_side_hears_what_happens_next(database):
    editor, author = await make_user("chief", role="manager"), await make_user("writer")
    post = await _written(editor, author)
    await service.move(post, author, "submit")
    await service.move(post, editor, "review")
    await service.move(post, editor, "request_changes", note="Add a photo of the second setup")
    assert await _kinds(author) == ["gp_invite", "gp_request_changes"]
    assert await _kinds(editor) == ["gp_accept", "gp_submit"]
    [note] = await Notification.filter(user_id=author.id, kind="gp_request_changes")
    assert note.url == f"/guest-posts/{post.id}"
    from forum.notifications.service import describe

    await note.fetch_related("actor")
    assert describe(note) == ("An editor asked for changes to “Lighting a reading corner”: "
                              "revise it and submit it again.")  # fmt: skip


async def test_publishing_opens_a_discussion_and_earns_points_and_the_badge(database):
    editor, author = await make_user("chief", role="manager"), await make_user("writer")
    post = await _written(editor, author)
    for actor, action in ((author, "submit"), (editor, "review"), (editor, "approve"),
                          (editor, "publish")):  # fmt: skip
        await service.move(post, actor, action)
    post = await GuestPost.get(id=post.id)
    assert post.slug == "lighting-a-reading-corner" and post.published_at is not None
    thread = await Thread.get(id=post.thread_id).select_related("category")
    assert thread.category.slug == "blog" and thread.author_id == author.id
    assert (await advocacy.standing(author.id)).points == 50
    assert await BadgeAward.exists(user_id=author.id, badge__slug="guest-author")
    await service.move(post, editor, "unpublish")
    assert (await advocacy.standing(author.id)).points == 0
    await service.move(post, editor, "publish")  # back on the blog: the same thread
    post = await GuestPost.get(id=post.id)
    assert post.thread_id == thread.id
    assert (await advocacy.standing(author.id)).points == 50


async def test_the_worker_publishes_on_time_once_and_expires_old_invitations(database):
    editor, author = await make_user("chief", role="manager"), await make_user("writer")
    post = await _written(editor, author)
    for actor, action in ((author, "submit"), (editor, "review"), (editor, "approve")):
        await service.move(post, actor, action)
    when = datetime.now(UTC) + timedelta(hours=2)
    await service.move(post, editor, "schedule", publish_at=when)
    assert await service.publish_scheduled() == 0
    assert await service.publish_scheduled(when + timedelta(minutes=1)) == 1
    assert await service.publish_scheduled(when + timedelta(minutes=2)) == 0
    assert (await GuestPost.get(id=post.id)).state == "published"

    slow = await make_user("slow")
    late = await service.invite(editor, slow, topic="Dimmers explained", message="",
                                brief="How the dimmer works", due="2099-01-31")  # fmt: skip
    assert await service.expire_invitations() == 0
    assert await service.expire_invitations(datetime(2099, 2, 2, tzinfo=UTC)) == 1
    assert (await GuestPost.get(id=late.id)).state == "expired"


async def test_the_finder_can_leave_out_members_already_invited(database):
    editor = await make_user("chief", role="manager")
    invited, fresh = await make_user("invited"), await make_user("fresh")
    moment = datetime.now(UTC)
    for member in (invited, fresh):
        await advocacy.book(member.id, 2, "reply", f"test:{member.id}", moment)
    await service.invite(editor, invited, topic="Lighting a reading corner",
                         brief="Three setups to try", message="", due="2099-01-31")  # fmt: skip
    names = {c.user.username for c in await advocacy.find_advocates(90, uninvited=True)}
    assert names == {"fresh"}
