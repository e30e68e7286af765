"""The `<id:…>` path converter every URL that names a row uses (registered in TrainsConfig.ready).

Django's `<int:…>` takes any run of digits, so /features/99999999999999999999/move/ reached the view
and failed in the database as a 500. An id larger than the database's bigint names no row: the URL
matches nothing and answers 404, as any other unknown address does.
"""

from .limits import MAX_ID, MAX_ID_DIGITS


class IdConverter:
    # Any run of digits, as `<int:…>`, so that reverse() still builds an address for any number;
    # to_python is where one past the database's ids stops matching.
    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        number = int(value) if len(value.lstrip("0")) <= MAX_ID_DIGITS else MAX_ID + 1
        if number > MAX_ID:
            raise ValueError("beyond the database's ids")  # Django's signal for "this path does not match"
        return number

    def to_url(self, value: int) -> str:
        return str(value)
