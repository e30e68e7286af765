"""Import a train's plan from a tracker's CSV export (issue #13): Jira and Azure DevOps.

The flow is read → map → validate → (dry run) → apply: `jira.py` and `azure.py` read an export into
plain `WorkItem`s with the line and column of every value; `plan.py` maps and validates them
against the train (a pure function of the items, the mapping and a `Context` snapshot of the train);
`services.py` loads that context, shows the dry run and applies the plan through the planning
services in one transaction, whole or not at all.
"""
