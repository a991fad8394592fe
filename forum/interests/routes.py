"""The home page and its personal lists: / (latest, or "For you" for a member who follows
something), /for-you, /top; the welcome step after sign-up and /settings/interests."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import permissions as can
from forum.forms import Invalid, positive_ids
from forum.interests import service
from forum.pagecache import guest_cached
from forum.permissions import ensure
from forum.threads import routes as threads_routes
from forum.web import field, form_data, redirect, render, safe_next


async def home(request: Request) -> Response:
    """Guests, and members who follow nothing yet (asked to choose), see the latest threads;
    a member who follows a category or a tag lands on "For you". Paging goes on at /latest."""
    user = request.user
    if not can.follow(user) or request.query_params.get("after"):
        return await threads_routes.latest(request)
    interests = await service.interests_of(user)
    if not interests.follows_something():
        return await threads_routes.latest(request, {"interests_prompt": True})
    return await _for_you_page(request, await service.for_you(user, interests))


async def for_you(request: Request) -> Response:
    ensure(can.follow(request.user))
    return await _for_you_page(request, await service.for_you(request.user))


async def _for_you_page(request: Request, listing: service.ForYou) -> Response:
    return await render(
        request, "interests/for_you.html",
        {"picks": listing.picks, "threads": [pick.thread for pick in listing.picks],
         "interests_prompt": not listing.follows, "tab": "for_you"},
    )  # fmt: skip


async def top(request: Request) -> Response:
    period = request.query_params.get("period", "")
    if period not in service.PERIODS:
        period = service.DEFAULT_PERIOD
    return await render(
        request, "interests/top.html",
        {"threads": await service.top_threads(period), "period": period, "tab": "top"},
    )  # fmt: skip


async def _choose(request: Request, template: str, *, welcome: bool) -> Response:
    ensure(can.follow(request.user))
    user = request.user
    next_url = safe_next(request.query_params.get("next"))
    categories, tags = await service.choices()
    interests = await service.interests_of(user)
    followed = {
        "categories": set(interests.followed_categories()),
        "tags": {tag.slug for tag in tags if tag.id in set(interests.followed_tags())},
    }
    form = {"bio": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        data = await form_data(request)
        chosen_categories = [c for c in data.getlist("category") if isinstance(c, str)]
        chosen_tags = [t for t in data.getlist("tag") if isinstance(t, str)]
        form["bio"] = field(data, "bio")
        try:
            if welcome:
                await service.welcome(user, chosen_categories, chosen_tags, form["bio"])
                return redirect(next_url)
            await service.follow(user, chosen_categories, chosen_tags)
            return redirect("/settings/interests?saved=1")
        except Invalid as error:
            errors = error.errors
            followed = {"categories": set(positive_ids(chosen_categories)),
                        "tags": set(chosen_tags)}  # fmt: skip
    return await render(
        request, template,
        {"categories": categories, "tags": tags, "followed": followed, "form": form,
         "errors": errors, "next": next_url, "next_query": quote(next_url),
         "saved": request.query_params.get("saved") == "1"},
        400 if errors else 200,
    )  # fmt: skip


async def welcome(request: Request) -> Response:
    """Right after sign-up: "What do you care about?" Save, or skip to where they were going."""
    return await _choose(request, "interests/welcome.html", welcome=True)


async def settings(request: Request) -> Response:
    return await _choose(request, "interests/settings.html", welcome=False)


routes = [
    Route("/", guest_cached(home)),
    Route("/for-you", for_you),
    Route("/top", guest_cached(top)),
    Route("/welcome", welcome, methods=["GET", "POST"]),
    Route("/settings/interests", settings, methods=["GET", "POST"]),
]
