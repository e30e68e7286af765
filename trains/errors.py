"""The domain's refusals, shared by every app (trains is the bottom layer, so all can import it).

Services raise these; one place turns them into HTTP (trains/refusals.py) for pages, htmx fragments
and the API alike. Anything else a service raises is a programming error and stays a 500. A field's
or a form's invalid input is Django's own ValidationError, mapped with them.
"""


class NotAllowed(Exception):
    """The actor holds no role that permits this action (403)."""


class StaleVersion(Exception):
    """The change was based on an older version of the record: someone else changed it first (409)."""

    def __init__(self, current):
        self.current = current
        super().__init__(f"{current} was changed by someone else; here is the current version.")


class Conflict(Exception):
    """The change conflicts with the state of what it belongs to, such as a closed PI (409)."""
