"""The train's audit history: every change to its plan and its running, who made it, when, through
which door (a page, the API, an import, the admin, a task) and which fields went from what to what.

The services write it, in the change's own transaction, through `services.record` (or
`services.update_recorded` for a guarded UPDATE); nothing edits or deletes a change afterwards. The
door is set once per entry point (`door.py`). Imported by trains.models so Django finds the model.
"""
