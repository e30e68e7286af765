"""`manage.py backup_train <train> [-o file]`: the train's whole backup, as one JSON document."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from artops.backup.dump import write_backup
from trains.models import Train


class Command(BaseCommand):
    help = (
        "Write a train's whole backup (teams, people by username, PIs and everything in them, risks, "
        "impediments, ART Syncs, demos, I&A, history) as one JSON document, to a file or to stdout."
    )

    def add_arguments(self, parser):
        parser.add_argument("train", help="the train's slug, e.g. aurora")
        parser.add_argument("-o", "--output", type=Path, help="the file to write (default: stdout)")

    def handle(self, *args, train, output, **options):
        train_obj = Train.objects.filter(slug=train).first()
        if train_obj is None:
            raise CommandError(f"No train '{train}'.")
        if output is None:
            counts = write_backup(train_obj, _Text(self.stdout))
            where, say = "stdout", self.stderr.write
        else:
            # Written beside the target, then moved into place: a failure never leaves half a backup
            # under the name of a good one.
            partial = output.with_name(f".{output.name}.partial")
            try:
                with partial.open("wb") as stream:
                    counts = write_backup(train_obj, stream)
                os.replace(partial, output)
            except BaseException:
                partial.unlink(missing_ok=True)
                raise
            where, say = str(output), self.stdout.write
        say(f"Backed up {train_obj.name} ({sum(counts.values())} rows in {len(counts)} tables) to {where}.")


class _Text:
    """The command's stdout as the binary stream write_backup writes to (each write is whole UTF-8)."""

    def __init__(self, stdout):
        self.stdout = stdout

    def write(self, data: bytes) -> None:
        self.stdout.write(data.decode("utf-8"), ending="")
