"""The header's unread count: one COUNT on the partial index `inbox_unread`, and only when a template
asks for it (an htmx fragment without the header costs nothing)."""

from functools import cache

from trains.models import InboxItem


def inbox(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def unread() -> int:
        return InboxItem.objects.filter(user_id=user.pk, read_at__isnull=True).count()

    # A callable: the template engine calls it where the header shows the count.
    return {"inbox_unread": unread}
