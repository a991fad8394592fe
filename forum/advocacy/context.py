"""What recognition adds to other features' pages: a tier beside each author on a thread, and
points, tier, badges and history on a member's profile."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from forum import pagecache, web
from forum.advocacy import service


async def _recognition(request: Request, page: dict[str, Any]) -> dict[str, Any]:
    if member := page.get("profile_of"):
        row = await service.standing(member.id)
        awards = await service.badges_of(member.id)
        featured = next((a for a in awards if a.badge_id == row.featured_badge_id), None)
        return {
            "recognition": {
                "standing": row, "tier": service.tier_label(await service.tier_of(row)),
                "awards": awards, "featured": featured, "history": await service.history(member),
            },
            "badge_name": service.badge_name, "point_reason": service.point_reason,
        }  # fmt: skip
    posts = page.get("posts")
    if posts and page.get("thread") is not None:
        # One query for the page's authors, whatever their number, shared by every reader
        # of the page until the next write.
        authors = frozenset(post.author_id for post in posts)
        rows = await pagecache.shared(
            request.scope, ("standings", authors), lambda: service.standings(list(authors))
        )
        tiers = {tier["key"]: tier for tier in (await service.rules()).tiers}
        return {"tiers": {
            user_id: (row.tier, service.tier_label(tiers[row.tier]))
            for user_id, row in rows.items() if row.tier and row.tier != "newcomer"
        }}  # fmt: skip
    return {}


web.context_providers.append(_recognition)
