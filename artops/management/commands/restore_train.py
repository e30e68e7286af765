"""`manage.py restore_train <file>`: restore a train from its backup, whole or not at all."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from artops.backup.registry import NOT_IN_A_BACKUP
from artops.backup.restore import BackupRefused, restore_backup
from trains.people.services import invitation_link


class Command(BaseCommand):
    help = (
        "Restore a train from a backup written by backup_train (or downloaded by its RTE) into this "
        "database: whole or not at all, refusing a damaged file or another format version with the reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--check", action="store_true", help="check the file against this database, write nothing"
        )

    def handle(self, *args, file, check, **options):
        try:
            raw = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        try:
            report = restore_backup(raw, check_only=check)
        except BackupRefused as refused:
            raise CommandError(f"Refused, nothing was restored: {refused.reason}") from None
        train = report.train
        verb = "Checked: the file would restore" if check else "Restored"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {train.name} (/trains/{train.slug}/): {report.total_rows} rows in "
                f"{len(report.rows)} tables."
            )
        )
        for label, count in report.rows.items():
            self.stdout.write(f"  {label:<45} {count:>7}")
        if report.people_matched:
            self.stdout.write(
                f"People matched by username in this database ({len(report.people_matched)}), who now "
                f"hold their roles on the train: {', '.join(report.people_matched)}."
            )
        if report.people_differing:
            self.stdout.write(
                self.style.WARNING(
                    "Matched by username but with another e-mail address here (check they are the same "
                    f"people): {', '.join(report.people_differing)}."
                )
            )
        if report.people_created:
            self.stdout.write(
                f"People created without a password ({len(report.people_created)}): they sign in once "
                "invited. The RTE invites them again from People and roles; or pass on these links:"
            )
            for user in report.people_created:
                link = "" if check else f" {invitation_link(user, train)}"
                self.stdout.write(f"  {user.username} <{user.email or 'no e-mail'}>{link}")
        self.stdout.write(
            f"Figures: {report.pis_marked_stale} PIs marked for recompute (the metrics workers "
            "recompute them; on the embedded default, the dashboard does when opened)."
        )
        self.stdout.write("Not in a backup, to set up again on the restored train:")
        for label, reason in NOT_IN_A_BACKUP.items():
            self.stdout.write(f"  {label}: {reason}")
        if check:
            self.stdout.write("Nothing was written (--check).")
