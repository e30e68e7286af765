"""`manage.py import_jira <train> <pi> <file> [--apply]`: the import's dry run (and apply) from a shell."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from planning.imports.services import ImportRefused, import_file, mapping_from_json, plan_json
from planning.models import ProgramIncrement
from trains.limits import parse_id
from trains.models import Train


class Command(BaseCommand):
    help = (
        "Import a Jira 'CSV (all fields)' export (or, with --source azure, an Azure DevOps CSV) into a PI. "
        "Without --apply, prints the dry run: what would be created and updated, the mapping and every problem."
    )

    def add_arguments(self, parser):
        parser.add_argument("train", help="the train's slug")
        parser.add_argument("pi", help="the PI's name (e.g. 'PI 27') or id")
        parser.add_argument("file", type=Path)
        parser.add_argument("--apply", action="store_true", help="write it, whole or not at all")
        parser.add_argument("--source", choices=["jira", "azure"], default="jira")
        parser.add_argument("--mapping", type=Path, help="a JSON file: {types, statuses, sprints, teams}")

    def handle(self, *args, train, pi, file, apply, source, mapping, **options):
        train_obj = Train.objects.filter(slug=train).first()
        if train_obj is None:
            raise CommandError(f"No train '{train}'.")
        pis = ProgramIncrement.objects.filter(train=train_obj)
        pi_id = parse_id(pi)  # ASCII digits only: "²" passes isdigit() and fails as a pk
        pi_obj = pis.filter(name=pi).first() or (pis.filter(pk=pi_id).first() if pi_id else None)
        if pi_obj is None:
            raise CommandError(f"No PI '{pi}' on {train_obj.name}.")
        chosen = mapping_from_json(json.loads(mapping.read_text())) if mapping else None
        with file.open("rb") as stream:
            try:
                # actor None: a trusted caller, as for every management command (trains.guards.require).
                result = import_file(
                    train=train_obj,
                    pi=pi_obj,
                    source=source,
                    file=stream,
                    actor=None,
                    mapping=chosen,
                    apply=apply,
                )
            except ImportRefused as refused:
                self._report(plan_json(refused.plan))
                raise CommandError("Refused: the file has problems, nothing was imported.") from None
        self._report(plan_json(result.plan))
        if not result.plan.ok:
            raise CommandError("The file has problems: fix them (or the mapping) before --apply.")
        self.stdout.write(self.style.SUCCESS("Applied." if result.applied else "Dry run: nothing written."))

    def _report(self, data: dict) -> None:
        for kind, counts in data["counts"].items():
            self.stdout.write(f"{kind}: " + ", ".join(f"{name} {value}" for name, value in counts.items()))
        for group, rows in data["mapping"].items():
            for row in rows:
                mark = " (guessed)" if row["guessed"] else ""
                self.stdout.write(f"map {group}: {row['source']} → {row['target']}{mark}")
        for problem in data["problems"]:
            self.stdout.write(f"line {problem['line']}, {problem['column'] or '-'}: {problem['reason']}")
        if data["problems_total"] > len(data["problems"]):
            self.stdout.write(f"… {data['problems_total'] - len(data['problems'])} more problems")
