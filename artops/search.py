"""Search across the trains a user holds a role on: features, dependencies, risks, impediments, team
PI objectives and people, each kind in one query.

In artops because it reads every app (imports run trains ← planning ← risks ← metrics, artops above
them all). On PostgreSQL the text kinds use full-text search: the words typed are matched as
prefixes against the text as written (config "simple", so "deploym" already finds "deployment"
while it is being typed) or as English stems (config "english", so "risks" finds "risk"); a query
written with search operators (a "quoted phrase", -word, or) is read as websearch syntax. Ranked by
SearchRank. Elsewhere (SQLite, the embedded default) every word must appear in one of the fields
(icontains). No index: the vectors are computed per query, a few milliseconds on the bench's large
train (400 features, 300 dependencies); an index would be the next step for trains far larger.

People are matched by name and username with icontains on every database: names are short and
not language (an English stemmer would only get in the way).

Each kind costs one query whatever the number of matches: the rows up to the limit and, through a
window function over the same query, how many matched in all ("and 12 more").
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce
from operator import and_, or_

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Count, Q, QuerySet, Window
from django.urls import reverse

from planning.models import Dependency, Feature, PIObjective
from risks.models import Impediment, Risk
from trains.models import Membership
from trains.selectors import trains_for_user

MAX_QUERY_LENGTH = 200  # longer input is cut, never refused: a pasted paragraph still searches
MAX_WORDS = 8
LIMIT = 8  # per kind in the header's panel
PAGE_LIMIT = 50  # per kind on the full page when one kind is asked for

WORD = re.compile(r"\w+")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# What makes a query "written with operators" for websearch_to_tsquery: a quote, a leading minus, or.
OPERATORS = re.compile(r'"|(?:^|\s)-\w|\bor\b', re.IGNORECASE)


@dataclass(frozen=True)
class Hit:
    """One result: what it is called, where it is shown, and where it lives (train, PI, team)."""

    title: str
    url: str
    where: str
    detail: str = ""


@dataclass(frozen=True)
class Group:
    kind: str
    label: str
    hits: list[Hit]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.hits)


@dataclass(frozen=True)
class Results:
    query: str
    groups: list[Group] = field(default_factory=list)

    @property
    def searched(self) -> bool:
        """False when the query holds no word to look for (empty, or only punctuation)."""
        return bool(words_of(self.query))

    @property
    def total(self) -> int:
        return sum(group.total for group in self.groups)

    @property
    def found(self) -> list[Group]:
        return [group for group in self.groups if group.total]


KINDS = {
    "features": "Features",
    "dependencies": "Dependencies",
    "risks": "Risks",
    "impediments": "Impediments",
    "objectives": "Team PI objectives",
    "people": "People",
}


def clean_query(text: str | None) -> str:
    """The text as searched: control characters out (PostgreSQL refuses a NUL in a string), spaces
    collapsed, cut to MAX_QUERY_LENGTH."""
    return " ".join(CONTROL.sub(" ", text or "").split())[:MAX_QUERY_LENGTH]


def words_of(text: str) -> list[str]:
    return WORD.findall(text)[:MAX_WORDS]


def search(user, text: str | None, *, kind: str | None = None, limit: int = LIMIT) -> Results:
    """What the user may see that matches the text, grouped by kind, at most `limit` hits a kind.

    `kind` narrows to one kind (an unknown one searches all). One query per kind searched; none for a
    query with no word in it."""
    query = clean_query(text)
    if not words_of(query):
        return Results(query=query)
    kinds = [kind] if kind in KINDS else list(KINDS)
    # A subquery, not a list: the scope costs no query of its own.
    scope = trains_for_user(user).values("pk")
    matcher = _matcher(query)
    groups = [_SEARCHES[name](scope, matcher, limit) for name in kinds]
    return Results(query=query, groups=groups)


# --- matching ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Matcher:
    """How a queryset is narrowed to the text and ordered by relevance on this database."""

    text: str
    words: list[str]
    postgres: bool

    def apply(self, queryset: QuerySet, weighted_fields: Iterable[tuple[str, str]], fallback_order: str):
        weighted_fields = list(weighted_fields)
        if not self.postgres:
            names = [name for name, _ in weighted_fields]
            return queryset.filter(_every_word_in(self.words, names)).order_by(fallback_order, "-pk")
        vector = reduce(
            lambda a, b: a + b,
            [
                SearchVector(name, config=config, weight=weight)
                for config in ("english", "simple")
                for name, weight in weighted_fields
            ],
        )
        query = self.tsquery()
        return (
            queryset.annotate(document=vector)
            .filter(document=query)
            .annotate(rank=SearchRank(vector, query))
            .order_by("-rank", "-pk")
        )

    def tsquery(self) -> SearchQuery:
        if OPERATORS.search(self.text):
            return SearchQuery(self.text, search_type="websearch", config="english")
        # Raw tsquery syntax built only from \w+ words, each quoted: nothing the user typed can be
        # read as an operator. Every word must match, the last one (or any) as a prefix.
        prefixes = " & ".join(f"'{word}':*" for word in self.words)
        return SearchQuery(self.text, search_type="plain", config="english") | SearchQuery(
            prefixes, search_type="raw", config="simple"
        )


def _matcher(text: str) -> _Matcher:
    return _Matcher(text=text, words=words_of(text), postgres=connection.vendor == "postgresql")


def _every_word_in(words: list[str], names: list[str]) -> Q:
    return reduce(
        and_, [reduce(or_, [Q(**{f"{name}__icontains": word}) for name in names]) for word in words]
    )


def _with_total(queryset: QuerySet, limit: int) -> list:
    """The first rows and, on each, `total`: how many rows matched, counted in the same query."""
    return list(queryset.annotate(total=Window(Count("*")))[:limit])


def _total(rows: list) -> int:
    if not rows:
        return 0
    first = rows[0]
    return first["total"] if isinstance(first, dict) else first.total


def _where(*parts) -> str:
    return " · ".join(str(part) for part in parts if part)


def _snippet(text: str, length: int = 110) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


# --- the kinds ----------------------------------------------------------------------------------------


def _features(scope, matcher: _Matcher, limit: int) -> Group:
    queryset = Feature.objects.filter(train_id__in=scope).select_related("train", "pi", "team")
    queryset = matcher.apply(
        queryset, [("title", "A"), ("description", "B"), ("acceptance_criteria", "C")], "title"
    )
    rows = _with_total(queryset, limit)
    hits = [
        Hit(
            title=feature.title,
            # The board's card dialog (as a page of its own when followed as a link); a feature in
            # no PI yet is shown only in the backlog.
            url=(
                reverse("planning:feature_edit", args=[feature.train.slug, feature.pk])
                if feature.pi_id
                else f"{reverse('planning:backlog', args=[feature.train.slug])}#feature-{feature.pk}"
            ),
            where=_where(
                feature.train.name,
                feature.pi.name if feature.pi else "no PI yet",
                feature.team.name if feature.team else "",
            ),
            detail=feature.get_state_display(),
        )
        for feature in rows
    ]
    return Group("features", KINDS["features"], hits, _total(rows))


def _dependencies(scope, matcher: _Matcher, limit: int) -> Group:
    queryset = Dependency.objects.filter(pi__train_id__in=scope).select_related(
        "pi__train", "requesting_team", "providing_team"
    )
    queryset = matcher.apply(queryset, [("description", "A")], "description")
    rows = _with_total(queryset, limit)
    hits = [
        Hit(
            title=dependency.description,
            url=reverse("planning:dependency_edit", args=[dependency.pi.train.slug, dependency.pk]),
            where=_where(
                dependency.pi.train.name,
                dependency.pi.name,
                f"{dependency.requesting_team.name} needs it from {dependency.providing_team.name}",
            ),
            detail=dependency.get_state_display(),
        )
        for dependency in rows
    ]
    return Group("dependencies", KINDS["dependencies"], hits, _total(rows))


def _risks(scope, matcher: _Matcher, limit: int) -> Group:
    queryset = Risk.objects.filter(train_id__in=scope).select_related("train", "pi", "team")
    queryset = matcher.apply(queryset, [("title", "A"), ("description", "B")], "title")
    rows = _with_total(queryset, limit)
    hits = [
        Hit(
            title=risk.title,
            url=reverse("risks:risk_detail", args=[risk.train.slug, risk.pk]),
            where=_where(
                risk.train.name, risk.pi.name if risk.pi else "", risk.team.name if risk.team else "ART risk"
            ),
            detail=risk.get_roam_status_display(),
        )
        for risk in rows
    ]
    return Group("risks", KINDS["risks"], hits, _total(rows))


def _impediments(scope, matcher: _Matcher, limit: int) -> Group:
    queryset = Impediment.objects.filter(train_id__in=scope).select_related("train", "team")
    queryset = matcher.apply(queryset, [("title", "A"), ("description", "B")], "title")
    rows = _with_total(queryset, limit)
    hits = [
        Hit(
            title=impediment.title,
            url=reverse("risks:impediment_detail", args=[impediment.train.slug, impediment.pk]),
            where=_where(impediment.train.name, impediment.team.name),
            detail=impediment.get_status_display(),
        )
        for impediment in rows
    ]
    return Group("impediments", KINDS["impediments"], hits, _total(rows))


def _objectives(scope, matcher: _Matcher, limit: int) -> Group:
    queryset = PIObjective.objects.filter(pi__train_id__in=scope).select_related("pi__train", "team")
    queryset = matcher.apply(queryset, [("text", "A")], "text")
    rows = _with_total(queryset, limit)
    hits = [
        Hit(
            title=objective.text,
            url=(
                f"{reverse('planning:objectives', args=[objective.pi.train.slug])}"
                f"?pi={objective.pi_id}#objective-{objective.pk}"
            ),
            where=_where(objective.pi.train.name, objective.pi.name, objective.team.name),
            detail="Committed" if objective.is_committed else "Uncommitted",
        )
        for objective in rows
    ]
    return Group("objectives", KINDS["objectives"], hits, _total(rows))


def _people(scope, matcher: _Matcher, limit: int) -> Group:
    """One hit per person and train: someone on two of the user's trains is found on each. Grouped
    by person and train, as a person holds several roles on a train."""
    rows = list(
        Membership.objects.filter(train_id__in=scope)
        .filter(_every_word_in(matcher.words, ["user__first_name", "user__last_name", "user__username"]))
        .values(
            "user_id", "user__username", "user__first_name", "user__last_name", "train__name", "train__slug"
        )
        .annotate(roles=Count("pk"), total=Window(Count("*")))
        .order_by("user__first_name", "user__last_name", "user__username", "train__name")[:limit]
    )
    hits = [
        Hit(
            title=" ".join(filter(None, [row["user__first_name"], row["user__last_name"]]))
            or row["user__username"],
            url=reverse("trains:detail", args=[row["train__slug"]]),
            where=row["train__name"],
            detail=f"@{row['user__username']}",
        )
        for row in rows
    ]
    return Group("people", KINDS["people"], hits, _total(rows))


_SEARCHES = {
    "features": _features,
    "dependencies": _dependencies,
    "risks": _risks,
    "impediments": _impediments,
    "objectives": _objectives,
    "people": _people,
}
