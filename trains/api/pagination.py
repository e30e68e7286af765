"""List pages (a module of its own: DRF's settings import it while its generic views load)."""

from django.core.exceptions import ValidationError
from django.db import DataError
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination


class Page(CursorPagination):
    """Cursor pages (stable while rows are added), 100 rows by default, up to 500."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "pk"

    def paginate_queryset(self, queryset, request, view=None):
        # A cursor is the client's to send back as it got it; one whose position is no value of the
        # ordering's column (forged, or from another list) is refused as DRF refuses a bad cursor.
        try:
            return super().paginate_queryset(queryset, request, view)
        except (ValidationError, ValueError, TypeError, DataError) as error:
            raise NotFound(self.invalid_cursor_message) from error
