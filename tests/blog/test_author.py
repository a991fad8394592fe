"""The guest author's pages: invitations and pitches, the draft's editor (versions, autosave,
cover, preview), moves, comments and corrections; and nobody else seeing any of it."""

from datetime import UTC, datetime, timedelta

import pytest

from forum import markup, web
from forum.advocacy.models import Standing
from forum.advocacy.service import badge_name
from forum.blog import service, uploads
from forum.blog.models import EditorialComment, GuestPost, GuestPostVersion
from tests.conftest import csrf_token, login, make_user, submit

TITLE = "Lighting a reading corner"
SUMMARY = "Three setups that our members love."
BODY = "A reading corner wants warm light from behind the shoulder, never from the front. " * 4
DRAFT = {"title": TITLE, "summary": SUMMARY, "body": BODY}
PITCH = {"topic": "Reading lamps compared", "brief": "Five lamps, one winner."}
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)


async def _invited(author=None) -> GuestPost:
    editor = await make_user("chief", role="manager")
    author = author or await make_user("writer")
    return await service.invite(editor, author, topic="Lighting a reading corner",
                                brief="Three setups members love", message="Would you write it?",
                                due="2030-01-31")  # fmt: skip


async def _drafting(client) -> GuestPost:
    """An accepted invitation with a full draft, its author signed in."""
    post = await _invited()
    author = await post.author
    await service.move(post, author, "accept")
    await service.save_draft(post, author, **DRAFT)
    await login(client, author)
    return post


async def _edit(client, post: GuestPost, intent: str, files: dict | None = None, **fields):
    data = {**DRAFT, **fields, "do": intent, "csrf_token": csrf_token(client)}
    return await client.post(f"/guest-posts/{post.id}/edit", data=data, files=files)


async def _published(client) -> GuestPost:
    post = await _drafting(client)
    author, editor = await post.author, await make_user("editor2", role="manager")
    for actor, action in [(author, "submit"), (editor, "review"), (editor, "approve"),
                          (editor, "publish")]:  # fmt: skip
        await service.move(post, actor, action)
    return post


# --- The list and pitching


async def test_the_list_shows_each_post_with_its_status_line_and_due_date(client, database):
    post = await _invited()
    author = await post.author
    late = await service.invite(await make_user("chief2", role="manager"), author,
                                topic="Caring for leather sofas", brief="What members ask most",
                                message="", due="2030-01-31")  # fmt: skip
    await GuestPost.filter(id=late.id).update(due_at=datetime.now(UTC) - timedelta(days=1))
    await login(client, author)
    page = await client.get("/guest-posts")
    assert page.status_code == 200
    assert f'href="/guest-posts/{post.id}"' in page.text
    assert "Invited" in page.text and "Accept the invitation to start writing" in page.text
    assert "Due Jan 31, 2030" in page.text
    assert page.text.count("Overdue") == 1
    assert "/guest-posts/pitch" not in page.text  # not an advocate


async def test_a_submitted_post_says_what_happens_next(client, database):
    post = await _drafting(client)
    await service.move(post, await post.author, "submit")
    page = await client.get("/guest-posts")
    assert "Submitted" in page.text
    assert "An editor will review it; you will be notified." in page.text
    assert 'aria-current="page">Guest posts<' in page.text


async def test_an_advocate_pitches_a_topic_and_errors_keep_the_text(client, database):
    author = await make_user("writer")
    await Standing.create(user_id=author.id, tier="advocate")
    await login(client, author)
    assert 'href="/guest-posts/pitch"' in (await client.get("/guest-posts")).text
    refused = await submit(client, "/guest-posts/pitch", {"topic": "Hm", "brief": "Lamp <b>"})
    assert refused.status_code == 400
    assert 'id="topic-error"' in refused.text and 'id="brief-error"' in refused.text
    assert 'value="Hm"' in refused.text and "Lamp &lt;b&gt;</textarea>" in refused.text
    sent = await submit(client, "/guest-posts/pitch", PITCH)
    post = await GuestPost.get(author_id=author.id)
    assert (
        sent.status_code == 303 and sent.headers["location"] == f"/guest-posts/{post.id}?done=pitch"
    )
    assert post.state == "pitched"
    page = await client.get(sent.headers["location"])
    assert "Your pitch is sent." in page.text and "An editor will read your pitch" in page.text


async def test_a_member_below_advocate_is_told_who_can_pitch(client, database):
    await login(client, await make_user("newbie"))
    page = await client.get("/guest-posts/pitch")
    assert page.status_code == 200 and "Advocates and Champions can pitch" in page.text
    refused = await submit(client, "/guest-posts/pitch", PITCH)
    assert refused.status_code == 400 and not await GuestPost.exists()


# --- Moves


async def test_the_author_accepts_and_is_sent_to_the_editor(client, database):
    post = await _invited()
    await login(client, await post.author)
    page = await client.get(f"/guest-posts/{post.id}")
    assert "Three setups members love" in page.text and "Would you write it?" in page.text
    assert "Message from chief" in page.text and 'value="accept"' in page.text
    response = await submit(client, f"/guest-posts/{post.id}/act", {"action": "accept"})
    assert response.headers["location"] == f"/guest-posts/{post.id}/edit?done=accept"
    assert (await GuestPost.get(id=post.id)).state == "accepted"
    editor = await client.get(response.headers["location"])
    assert "You accepted the invitation" in editor.text


async def test_declining_with_a_note_shows_it_on_the_timeline(client, database):
    post = await _invited()
    await login(client, await post.author)
    response = await submit(client, f"/guest-posts/{post.id}/act",
                            {"action": "decline", "note": "Busy until spring"})  # fmt: skip
    assert response.status_code == 303
    post = await GuestPost.get(id=post.id)
    assert (post.state, post.note) == ("declined", "Busy until spring")
    page = await client.get(response.headers["location"])
    assert "You declined the invitation." in page.text and "Busy until spring" in page.text
    assert 'value="accept"' not in page.text


async def test_an_editors_move_is_refused_on_the_authors_page(client, database):
    post = await _drafting(client)
    response = await submit(client, f"/guest-posts/{post.id}/act", {"action": "approve"})
    assert response.status_code == 400
    assert "This cannot be done now" in response.text
    assert (await GuestPost.get(id=post.id)).state == "drafting"


async def test_withdrawing_asks_first_and_keeps_the_reason(client, database):
    post = await _drafting(client)
    page = await client.get(f"/guest-posts/{post.id}")
    assert 'data-confirm="Withdraw this guest post? It cannot be undone."' in page.text
    await submit(client, f"/guest-posts/{post.id}/act", {"action": "withdraw", "note": "Moving"})
    post = await GuestPost.get(id=post.id)
    assert (post.state, post.note) == ("withdrawn", "Moving")
    assert (
        "You withdrew this guest post."
        in (await client.get(f"/guest-posts/{post.id}?done=withdraw")).text
    )


async def test_the_author_comments_and_an_empty_comment_is_refused(client, database):
    post = await _drafting(client)
    response = await submit(client, f"/guest-posts/{post.id}/comment", {"body": "Photos too?"})
    assert response.headers["location"] == f"/guest-posts/{post.id}#comments"
    assert (await EditorialComment.get(post_id=post.id)).body == "Photos too?"
    page = await client.get(f"/guest-posts/{post.id}")
    assert "Photos too?" in page.text and "on version 1" in page.text
    refused = await submit(client, f"/guest-posts/{post.id}/comment", {"body": "   "})
    assert refused.status_code == 400 and 'id="body-error"' in refused.text


# --- Writing


async def test_saving_keeps_a_version_listed_with_its_time(client, database):
    post = await _drafting(client)
    response = await _edit(client, post, "save", body=BODY + "One more line.")
    assert response.headers["location"] == f"/guest-posts/{post.id}/edit?saved=1"
    assert await GuestPostVersion.filter(post_id=post.id).count() == 2
    page = await client.get(response.headers["location"])
    assert "Your draft is saved." in page.text
    assert "Version 2" in page.text and "<time" in page.text
    assert f'data-autosave="/guest-posts/{post.id}/autosave"' in page.text
    assert "data-unsaved" not in page.text


async def test_autosave_saves_the_text_without_a_version(client, database):
    post = await _drafting(client)
    response = await client.post(
        f"/guest-posts/{post.id}/autosave",
        data={**DRAFT, "body": "Typed a moment ago"},
        headers={"X-CSRF-Token": csrf_token(client)},
    )
    assert response.status_code == 204
    assert (await GuestPost.get(id=post.id)).body == "Typed a moment ago"
    assert await GuestPostVersion.filter(post_id=post.id).count() == 1
    # Missing fields never wipe the draft.
    response = await client.post(f"/guest-posts/{post.id}/autosave", data={"title": "x"},
                                 headers={"X-CSRF-Token": csrf_token(client)})  # fmt: skip
    assert response.status_code == 400
    assert (await GuestPost.get(id=post.id)).title == TITLE


async def test_autosave_is_refused_once_the_draft_is_submitted(client, database):
    post = await _drafting(client)
    await service.move(post, await post.author, "submit")
    response = await client.post(f"/guest-posts/{post.id}/autosave", data=DRAFT,
                                 headers={"X-CSRF-Token": csrf_token(client)})  # fmt: skip
    assert response.status_code == 409
    assert "cannot be changed now" in response.text


async def test_a_short_draft_submitted_shows_errors_and_keeps_every_character(client, database):
    post = await _drafting(client)
    typed = {"title": " <b>  ", "summary": "", "body": "Too short & mine: ünïcode\r\nline two"}
    response = await _edit(client, post, "submit", **typed)
    assert response.status_code == 400
    for name in ("title", "summary", "body"):
        assert f'id="{name}-error"' in response.text
    assert 'value=" &lt;b&gt;  "' in response.text
    assert "Too short &amp; mine: ünïcode\r\nline two</textarea>" in response.text
    post = await GuestPost.get(id=post.id)
    assert post.state == "drafting" and post.body.startswith("Too short")  # saved, not submitted


async def test_submitting_from_the_post_page_sends_a_short_draft_back_to_the_editor(
    client, database
):
    post = await _drafting(client)
    await service.save_draft(post, await post.author, title=TITLE, summary=SUMMARY, body="Short")
    response = await submit(client, f"/guest-posts/{post.id}/act", {"action": "submit"})
    assert response.status_code == 400
    assert 'id="body-error"' in response.text and 'name="do" value="submit"' in response.text


async def test_a_full_draft_is_submitted_for_review(client, database):
    post = await _drafting(client)
    response = await _edit(client, post, "submit")
    assert response.headers["location"] == f"/guest-posts/{post.id}?done=submit"
    assert (await GuestPost.get(id=post.id)).state == "submitted"
    kinds = await GuestPostVersion.filter(post_id=post.id).values_list("kind", flat=True)
    assert "submitted" in kinds
    page = await client.get(response.headers["location"])
    assert "Your draft is submitted for review." in page.text
    assert f'data-forget-draft="guest-post-{post.id}"' in page.text
    editor_page = await client.get(f"/guest-posts/{post.id}/edit")
    assert editor_page.status_code == 303  # nothing to edit while it is reviewed


async def test_an_edit_the_state_no_longer_allows_comes_back_unsaved(client, database):
    post = await _drafting(client)
    await service.move(post, await post.author, "submit")
    response = await _edit(client, post, "save", body="Typed after submitting")
    assert response.status_code == 400
    assert "Typed after submitting</textarea>" in response.text and "data-unsaved" in response.text


# --- Cover images


async def test_a_png_cover_is_stored_and_served_safely(client, database):
    post = await _drafting(client)
    response = await _edit(client, post, "save", files={"cover": ("me.jpg", PNG, "image/jpeg")})
    assert response.status_code == 303
    post = await GuestPost.get(id=post.id)
    assert uploads.STORED_NAME.fullmatch(post.cover) and post.cover.endswith(".png")
    served = await client.get(service.cover_url(post))
    assert served.status_code == 200 and served.content == PNG
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-disposition"] == "inline"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    csp = "default-src 'none'; sandbox; frame-ancestors 'none'"
    assert served.headers["content-security-policy"] == csp
    assert (
        f'src="{service.cover_url(post)}"'
        in (await client.get(f"/guest-posts/{post.id}/edit")).text
    )


async def test_a_cover_of_two_megabytes_passes_the_form_size_limit(client, database):
    post = await _drafting(client)
    image = PNG + bytes(uploads.MAX_COVER_BYTES - len(PNG))
    response = await _edit(client, post, "save", files={"cover": ("big.png", image, "image/png")})
    assert response.status_code == 303
    assert (await GuestPost.get(id=post.id)).cover.endswith(".png")


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"<html><script>alert(1)</script></html>", "Choose a PNG, JPEG, WebP or GIF image."),
     (PNG + bytes(3 * 1024 * 1024), "The image is larger than 2 MB")],
)  # fmt: skip
async def test_a_cover_that_is_not_an_image_or_too_large_is_refused_beside_its_field(
    client, database, content, message
):
    post = await _drafting(client)
    files = {"cover": ("cover.png", content, "image/png")}
    response = await _edit(client, post, "save", files=files, title="My kept title")
    assert response.status_code == 400
    assert 'id="cover-error"' in response.text and message in response.text
    assert 'value="My kept title"' in response.text and "data-unsaved" in response.text
    post = await GuestPost.get(id=post.id)
    assert post.cover == "" and post.title == TITLE
    folder = uploads.cover_dir()
    assert not folder.exists() or not any(folder.iterdir())


@pytest.mark.parametrize(
    "name", ["../forum.db", "..%2Fforum.db", "0123456789abcdef0123456789abcdef.html",
             "0123456789ABCDEF0123456789ABCDEF.png", "0123456789abcdef0123456789abcdef.png"],
)  # fmt: skip
async def test_only_stored_cover_names_are_served(client, database, name):
    assert (await client.get(f"/uploads/covers/{name}")).status_code == 404


async def test_the_magic_bytes_decide_the_kind():
    assert uploads.image_kind(b"\xff\xd8\xff\xe0rest") == "jpg"
    assert uploads.image_kind(b"GIF89a...") == "gif"
    assert uploads.image_kind(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "webp"
    assert uploads.image_kind(b"<svg xmlns='http://www.w3.org/2000/svg'/>") is None


# --- Preview and corrections


async def test_the_preview_is_the_blogs_article_markup_with_a_banner(client, database):
    post = await _drafting(client)
    await _edit(client, post, "preview", body=BODY + "\n\n## Second setup\n\nA floor lamp.")
    post = await GuestPost.get(id=post.id)
    page = await client.get(f"/guest-posts/{post.id}/preview")
    assert page.status_code == 200
    assert "Preview: not published" in page.text
    assert "<h2>Second setup</h2>" in page.text
    article = web.templates.env.get_template("blog/_article.html").render(
        article=post, html=markup.render(post.body), cover="", byline=await service.byline(post),
        published_at=None, minutes=service.reading_minutes(post), badge_name=badge_name,
    )  # fmt: skip
    assert article.strip() in page.text


async def test_the_author_proposes_a_correction_to_a_live_post(client, database):
    post = await _published(client)
    page = await client.get(f"/guest-posts/{post.id}/correction")
    assert page.status_code == 200 and f'value="{TITLE}"' in page.text
    refused = await submit(client, f"/guest-posts/{post.id}/correction",
                           {**DRAFT, "body": "Too short now"})  # fmt: skip
    assert refused.status_code == 400 and "Too short now</textarea>" in refused.text
    fixed = {**DRAFT, "body": BODY + "Corrected: the lamp is 2700 K."}
    response = await submit(client, f"/guest-posts/{post.id}/correction", fixed)
    assert response.headers["location"] == f"/guest-posts/{post.id}/correction?sent=1"
    pending = await service.pending_correction(post)
    assert pending and pending.body.endswith("2700 K.")
    assert (await GuestPost.get(id=post.id)).body == BODY  # the live post waits for an editor
    page = await client.get(response.headers["location"])
    assert "Your correction is sent." in page.text and "is waiting for an editor" in page.text
    assert "2700 K.</textarea>" in page.text


async def test_corrections_wait_for_publication(client, database):
    post = await _drafting(client)
    response = await client.get(f"/guest-posts/{post.id}/correction")
    assert response.headers["location"] == f"/guest-posts/{post.id}"


# --- Who sees what


PAGES = ["", "/edit", "/preview", "/correction"]
POSTS = {"/act": {"action": "withdraw"}, "/comment": {"body": "Hello"},
         "/autosave": DRAFT, "/edit": {**DRAFT, "do": "save"}, "/correction": DRAFT}  # fmt: skip


async def test_another_member_finds_nothing_on_any_page(client, database):
    post = await _drafting(client)
    await login(client, await make_user("nosy"))
    for page in PAGES:
        assert (await client.get(f"/guest-posts/{post.id}{page}")).status_code == 404, page
    for action, data in POSTS.items():
        response = await submit(client, f"/guest-posts/{post.id}{action}", data)
        assert response.status_code == 404, action
    assert f"/guest-posts/{post.id}" not in (await client.get("/guest-posts")).text
    assert (await GuestPost.get(id=post.id)).state == "drafting"
    assert not await EditorialComment.exists()


async def test_a_guest_is_asked_to_sign_in_and_an_editor_is_sent_to_the_editorial_page(
    client, database
):
    post = await _invited()
    for page in PAGES:
        response = await client.get(f"/guest-posts/{post.id}{page}")
        assert response.headers["location"] == f"/login?next=/guest-posts/{post.id}{page}"
    await login(client, await make_user("boss", role="manager"))
    response = await client.get(f"/guest-posts/{post.id}")
    assert response.headers["location"] == f"/admin/guest-posts/{post.id}"
    assert (await client.get(f"/guest-posts/{post.id}/edit")).status_code == 404
