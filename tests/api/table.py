"""The API's permission rows use the role matrix's table (tests/roles/table.py): one table for every
door of the product, pages, htmx endpoints, the admin and the API. Each app lists its API rows in
tests/api/rows/<app>.py; tests/roles/test_role_matrix.py calls them with all the others."""

from tests.roles.table import READERS, Row

__all__ = ["READERS", "Row"]
