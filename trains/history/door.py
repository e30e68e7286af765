"""Through which door a change came in, set once per entry point and read by the history's recorder.

A context variable rather than an argument threaded through every service: the door is a fact of the
request or the job, not of the business rule. It is `task` unless an entry point says otherwise, so a
Celery task, a management command or the demo seed needs nothing; `DoorMiddleware` makes every request
a `page`, a DRF view's an `api` and an admin view's an `admin`; an import wraps itself in
`through(Door.IMPORT)`. The value is reset when the request or the `with` block ends, so a worker
thread never carries one request's door into the next.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from .models import Door

_door: ContextVar[str] = ContextVar("artops_history_door", default=Door.TASK)


def current_door() -> str:
    return _door.get()


@contextmanager
def through(door: str) -> Iterator[None]:
    """Changes made inside the block came in through `door`."""
    token = _door.set(Door(door))
    try:
        yield
    finally:
        _door.reset(token)


class DoorMiddleware:
    """A request's changes come through a page, unless its view is the API's or the admin's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with through(Door.PAGE):
            return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Set inside __call__'s block, so it ends with the request too. DRF's as_view() keeps the
        # view class on the function; the admin's model views carry their ModelAdmin.
        view_class = getattr(view_func, "cls", None)
        if view_class is not None and _is_api_view(view_class):
            _door.set(Door.API)
        elif getattr(view_func, "model_admin", None) is not None or getattr(view_func, "admin_site", None):
            _door.set(Door.ADMIN)
        return None


def _is_api_view(view_class) -> bool:
    from rest_framework.views import APIView

    return isinstance(view_class, type) and issubclass(view_class, APIView)
