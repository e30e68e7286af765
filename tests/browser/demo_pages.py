"""The demo train's pages and logins that the whole-product browser tests walk through: every page
test (test_every_page.py) and the accessibility test (test_accessibility.py) read the same list, so a
new page added here is opened, screenshotted and checked by axe alike."""

ROLES = ["rte", "pm", "bo", "architect", "sm", "po", "member", "viewer"]
PAGES = {
    "train": "/trains/aurora/",
    "board": "/trains/aurora/board/",
    "pi": "/trains/aurora/planning/",
    "backlog": "/trains/aurora/planning/backlog/",
    "capacity": "/trains/aurora/planning/capacity/",
    "objectives": "/trains/aurora/planning/objectives/",
    "votes": "/trains/aurora/planning/votes/",
    "plan-vs-now": "/trains/aurora/planning/plan-vs-now/",
    "business-owners": "/trains/aurora/planning/business-owners/",
    "risks": "/trains/aurora/risks/",
    "impediments": "/trains/aurora/impediments/",
    "art-sync": "/trains/aurora/art-sync/",
    "system-demo": "/trains/aurora/system-demo/",
    "inspect-adapt": "/trains/aurora/inspect-adapt/",
    "surveys": "/trains/aurora/surveys/",
    "delivery": "/trains/aurora/delivery/",
    "metrics": "/trains/aurora/metrics/",
    "releases": "/trains/aurora/releases/",
    "leadership-summary": "/trains/aurora/metrics/summary/",
    "activity": "/trains/aurora/activity/",
    "people": "/trains/aurora/people/",
    "api-tokens": "/account/tokens/",
}
