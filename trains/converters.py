"""The `<id:…>` path converter every URL that names a row uses (registered in TrainsConfig.ready).

Django's `<int:…>` takes any run of digits, so /features/99999999999999999999/move/ reached the view
and failed in the database as a 500. An id larger than the database's bigint names no row: the URL
matches nothing and answers 404, as any other unknown address does.
"""

from .limits import MAX_ID, MAX_ID_DIGITS


class IdConverter:
    regex = f"[0-9]{{1,{MAX_ID_DIGITS}}}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError("beyond the database's ids")  # Django's signal for "this path does not match"
        return number

    def to_url(self, value: int) -> str:
        return str(value)
