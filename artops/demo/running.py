"""The life around the demo's PIs: risks and their ROAM moves, impediments and their escalations,
the weekly ART Syncs with their action items, and the improvements taken from each I&A."""

from __future__ import annotations

from datetime import timedelta

from planning.factories import FeatureFactory
from planning.models import Feature, ProgramIncrement
from planning.services import feature_set_state
from risks.factories import ActionItemFactory, ArtSyncFactory, ImprovementItemFactory, RiskFactory
from risks.models import ActionItem, Impediment, ImprovementItem, Risk
from risks.services import impediment_escalate, impediment_raise, impediment_resolve, risk_roam

from .common import Build, DemoTrain, at, pi_iterations


def risks_and_impediments(build: Build, demo: DemoTrain, pi: ProgramIncrement, *, closed: bool) -> None:
    rng = build.rng
    rte = demo.users["rte"]
    risk_specs = [
        ("Payment provider sandbox unstable", None, Risk.Roam.OWNED, "pm"),
        ("Key architect on leave during I3", None, Risk.Roam.ACCEPTED, None),
        ("GDPR review may delay data residency", "Eclipse", Risk.Roam.MITIGATED, "architect"),
        ("Load test environment not sized", "Atlas", Risk.Roam.RESOLVED, None),
        ("Partner API contract not signed", None, Risk.Roam.UNROAMED, None),
        ("Shared QA capacity overbooked", "Comet", Risk.Roam.UNROAMED, None),
        ("Mobile store review lead time", "Galaxy", Risk.Roam.OWNED, "po"),
        ("Legacy billing batch window", "Borealis", Risk.Roam.UNROAMED, None),
    ]
    teams = {team.name: team for team in demo.teams}
    for n, (title, team_name, status, owner) in enumerate(risk_specs):
        if closed and n >= 5:
            break
        created = at(pi.start_date - timedelta(days=2), 11)
        risk = RiskFactory(
            train=demo.train,
            pi=pi,
            team=teams.get(team_name),
            title=title,
            impact=rng.randint(2, 5),
            likelihood=rng.randint(1, 5),
            due_date=(pi.start_date + timedelta(days=rng.randint(10, 60))),
            mitigation_plan="Second environment booked; weekly check with the vendor."
            if status == Risk.Roam.MITIGATED
            else "",
            raised_by=rte,
            created_at=created,
        )
        if closed:
            status = Risk.Roam.RESOLVED
        if status != Risk.Roam.UNROAMED:
            risk_roam(
                risk=risk,
                expected_version=risk.version,
                status=status,
                actor=rte,
                owner=demo.users.get(owner),
                at=created + timedelta(hours=5),
            )
        features = build.features[pi.pk][(teams.get(team_name) or demo.teams[0]).pk]
        risk.features.add(features[n % len(features)])

    impediment_specs = [
        ("CI runners saturated every afternoon", "Atlas", "high", 2),
        ("Test data for partner flows missing", "Borealis", "critical", 1),
        ("Waiting on security sign-off for SSO", "Comet", "medium", 0),
        ("Staging database refresh broken", "Draco", "high", 0),
        ("Vendor SDK licence expired", "Galaxy", "low", 0),
    ]
    for n, (title, team_name, severity, escalations) in enumerate(impediment_specs):
        team = teams[team_name]
        sm = demo.users["sm"] if team_name == "Borealis" else demo.users[f"sm-{team_name.lower()}"]
        raised_day = pi.start_date + timedelta(days=3 + 6 * n)
        if raised_day >= min(build.today, pi.end_date):
            raised_day = pi.start_date + timedelta(days=1 + n)
        impediment = impediment_raise(
            team=team, title=title, actor=sm, severity=severity, at=at(raised_day, 9)
        )
        features = build.features[pi.pk][team.pk]
        impediment.blocked_features.add(features[n % len(features)])
        for level in range(escalations):
            impediment_escalate(
                impediment=impediment,
                expected_version=impediment.version,
                note=[
                    "Team cannot fix it alone; needs ART platform budget.",
                    "Needs a portfolio decision on vendor spend.",
                ][level],
                actor=sm if level == 0 else rte,
                at=at(raised_day + timedelta(days=2 + 3 * level), 15),
            )
        if closed or n == 4:
            resolved_day = raised_day + timedelta(days=rng.randint(2, 12))
            impediment_resolve(
                impediment=impediment,
                expected_version=impediment.version,
                resolution="Fixed and verified at the ART Sync.",
                actor=rte,
                at=at(min(resolved_day, build.today), 17),
            )
        elif n == 3:
            Impediment.objects.filter(pk=impediment.pk).update(status=Impediment.Status.IN_PROGRESS)


def art_syncs(build: Build, demo: DemoTrain, pi: ProgramIncrement) -> None:
    owners = [demo.users[name] for name in ("rte", "pm", "architect", "sm", "po")]
    day = pi.start_date + timedelta(days=2)
    n = 0
    while day < min(pi.end_date, build.today):
        sync = ArtSyncFactory(
            train=demo.train, pi=pi, held_on=day, notes="Coach Sync and PO Sync, 45 minutes."
        )
        for k in range(2):
            done = day + timedelta(days=10) < build.today and (n + k) % 3 != 0
            ActionItemFactory(
                train=demo.train,
                raised_in=sync,
                title=[
                    "Book the shared performance lab",
                    "Clarify the partner API owner",
                    "Re-plan Atlas I4 load",
                    "Share the SSO timeline",
                ][(n + k) % 4],
                owner=owners[(n + k) % len(owners)],
                due_date=day + timedelta(days=7),
                status=ActionItem.Status.DONE if done else ActionItem.Status.OPEN,
                created_at=at(day, 11),
                done_at=at(day + timedelta(days=5), 12) if done else None,
            )
        day += timedelta(days=7)
        n += 1


def improvements(build: Build, demo: DemoTrain, target: ProgramIncrement) -> None:
    """I&A of the PI before `target`: improvement items taken into `target`'s PI Planning (so
    they are in its committed plan), some done."""
    rte, pm = demo.users["rte"], demo.users["architect"]
    plans = [
        (0, "Automate the release checklist", ImprovementItem.Status.DONE, 9),
        (0, "Shorten the environment request lead time", ImprovementItem.Status.DONE, 7),
        (0, "Definition of Ready for features", ImprovementItem.Status.DROPPED, 3),
        (1, "Contract tests between Atlas and stream teams", ImprovementItem.Status.IN_PROGRESS, 11),
        (1, "Make dependencies visible before PI Planning", ImprovementItem.Status.DONE, 8),
        (1, "Reduce WIP per team to three features", ImprovementItem.Status.PLANNED, 6),
    ]
    fusion = next(team for team in demo.teams if team.name == "Fusion")
    target_index = demo.pis.index(target)
    for source_index, title, status, votes in plans:
        if source_index + 1 != target_index:
            continue
        source = demo.pis[source_index]
        iterations = pi_iterations(target)
        feature = FeatureFactory(
            train=demo.train,
            pi=target,
            team=fusion if status != ImprovementItem.Status.DROPPED else None,
            iteration=iterations[1] if status != ImprovementItem.Status.DROPPED else None,
            title=f"Improvement: {title}",
            kind=Feature.Kind.ENABLER,
            state=Feature.State.BACKLOG,
        )
        # Through the Kanban like any feature, so flow time sees when improvements started.
        done_day = min(iterations[1].end_date, build.today - timedelta(days=1))
        if status in (ImprovementItem.Status.IN_PROGRESS, ImprovementItem.Status.DONE):
            feature_set_state(
                feature=feature,
                state=Feature.State.IMPLEMENTING,
                at=at(iterations[0].start_date + timedelta(days=3)),
            )
        if status == ImprovementItem.Status.DONE:
            feature_set_state(feature=feature, state=Feature.State.DONE, at=at(done_day, 16))
        ImprovementItemFactory(
            train=demo.train,
            source_pi=source,
            target_pi=target if status != ImprovementItem.Status.DROPPED else None,
            feature=feature if status != ImprovementItem.Status.DROPPED else None,
            title=title,
            problem="Too much time is lost between teams at integration points.",
            root_causes="Late visibility of dependencies; manual release steps.",
            owner=rte if votes > 7 else pm,
            status=status,
            votes=votes,
            created_at=at(source.end_date - timedelta(days=2), 14),
            done_at=feature.done_at if status == ImprovementItem.Status.DONE else None,
        )
