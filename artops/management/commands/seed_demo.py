from django.core.management.base import BaseCommand

from artops.demo import LOGINS, SLUG, build_demo
from trains.factories import DEFAULT_PASSWORD


class Command(BaseCommand):
    help = "Build the demo train (idempotent: does nothing if it exists) and print its logins."

    def handle(self, *args, **options):
        train, created = build_demo()
        verb = "Built" if created else "Kept the existing"
        self.stdout.write(self.style.SUCCESS(f"{verb} demo train {train.name!r} (/trains/{SLUG}/)."))
        self.stdout.write(f"Demo logins (password {DEFAULT_PASSWORD!r}):")
        for username, first, last, role, team in LOGINS:
            where = f" of {team}" if team else ""
            self.stdout.write(f"  {username:<10} {first} {last}: {role.label}{where}")
