"""List pages (a module of its own: DRF's settings import it while its generic views load)."""

from rest_framework.pagination import CursorPagination


class Page(CursorPagination):
    """Cursor pages (stable while rows are added), 100 rows by default, up to 500."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "pk"
