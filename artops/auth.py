"""Django's model backend, with the user every request loads read in one plain statement.

Every page and every board move loads the signed-in user; compiling the ORM's query for it cost
more than running it (artops/rows.py). Everything else (passwords, permissions, the inactive-user
refusal) is Django's own.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connection

from artops import rows


class UserRowBackend(ModelBackend):
    def get_user(self, user_id):
        model = get_user_model()
        with connection.cursor() as cursor:
            cursor.execute(
                f'SELECT {rows.columns(model)} FROM "{model._meta.db_table}" WHERE "{model._meta.pk.column}" = %s',
                [user_id],
            )
            row = cursor.fetchone()
        if row is None:
            return None
        user, _ = rows.instance(model, row)
        return user if self.user_can_authenticate(user) else None
