"""The demo's fixed content: its teams, logins, feature titles and the names of its people."""

from trains.models import Role, Team

SLUG = "aurora"
SEED = 2026
PI_NUMBERS = (24, 25, 26, 27)  # two closed, one executing, one in draft for the next planning

TEAMS = [
    ("Atlas", Team.Kind.PLATFORM),
    ("Borealis", Team.Kind.STREAM_ALIGNED),
    ("Comet", Team.Kind.STREAM_ALIGNED),
    ("Draco", Team.Kind.STREAM_ALIGNED),
    ("Eclipse", Team.Kind.COMPLICATED_SUBSYSTEM),
    ("Fusion", Team.Kind.ENABLING),
    ("Galaxy", Team.Kind.STREAM_ALIGNED),
]

# One login per role, printed by `make run`. The team roles act for Borealis.
LOGINS = [
    ("rte", "Rita", "Engel", Role.RTE, None),
    ("pm", "Paul", "Mendes", Role.PRODUCT_MANAGER, None),
    ("bo", "Beatrice", "Owens", Role.BUSINESS_OWNER, None),
    ("architect", "Arjun", "Rao", Role.SYSTEM_ARCHITECT, None),
    ("sm", "Sam", "Moreau", Role.SCRUM_MASTER, "Borealis"),
    ("po", "Priya", "Olsen", Role.PRODUCT_OWNER, "Borealis"),
    ("member", "Mia", "Berg", Role.TEAM_MEMBER, "Borealis"),
    ("viewer", "Victor", "Wu", Role.VIEWER, None),
]

FEATURE_TITLES = [
    "Self-service onboarding",
    "Usage-based billing",
    "Fraud scoring v2",
    "Partner API gateway",
    "Offline mode for field agents",
    "Single sign-on for partners",
    "Audit trail export",
    "Real-time order tracking",
    "Search relevance tuning",
    "Data residency (EU)",
    "Mobile push preferences",
    "Customer health dashboard",
    "Event streaming backbone",
    "Observability baseline",
    "Feature flag service",
    "Accessibility fixes (WCAG 2.2)",
    "Payment retries",
    "Recommendation widgets",
    "Invoice PDF redesign",
    "Consent management",
    "Multi-currency pricing",
    "Bulk import for catalogues",
    "Load test harness",
    "Zero-downtime deploys",
    "Schema registry",
    "Returns workflow",
    "Loyalty points",
    "Chat support handover",
]
ENABLER_TITLES = {
    "Event streaming backbone",
    "Observability baseline",
    "Feature flag service",
    "Load test harness",
    "Zero-downtime deploys",
    "Schema registry",
}
# Deterministic names for the people of the other teams (the logins above keep theirs).
FIRST_NAMES = [
    "Ana",
    "Ben",
    "Chloe",
    "Dev",
    "Elif",
    "Femi",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Kira",
    "Luca",
    "Maya",
    "Nils",
    "Olga",
    "Pedro",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
    "Umar",
    "Vera",
    "Wim",
    "Xenia",
    "Yusuf",
    "Zoe",
    "Aiko",
    "Bruno",
    "Carla",
    "Dario",
    "Emma",
    "Farah",
]
LAST_NAMES = [
    "Novak",
    "Silva",
    "Larsen",
    "Kaya",
    "Dubois",
    "Okafor",
    "Fischer",
    "Rossi",
    "Nakamura",
    "Costa",
    "Jensen",
    "Haddad",
    "Kowalski",
    "Moreno",
    "Ahmed",
    "Schmidt",
    "Tanaka",
    "Virtanen",
    "Murphy",
    "Petrov",
]
STORY_VERBS = ["Design", "Build", "Test", "Document", "Instrument", "Harden", "Spike on"]
