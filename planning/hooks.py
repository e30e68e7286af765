""" "A PI's plan changed": the one notification planning gives to apps built on it.

Imports run trains ← planning ← risks ← metrics, so planning cannot call metrics. Instead an app
registers a callback (metrics does, in its AppConfig.ready) and planning's services call
`pi_changed(pi_id)` inside the change's transaction. A callback's own writes therefore commit with
the change or roll back with it (metrics marks the PI stale in the same commit as the move: one
commit per board move, and no moment where the plan changed but its figures look current); anything
outside the database (a message to the broker) it defers with `transaction.on_commit`.
"""

from collections.abc import Callable

_callbacks: list[Callable[[int], None]] = []


def on_pi_changed(callback: Callable[[int], None]) -> None:
    if callback not in _callbacks:
        _callbacks.append(callback)


def pi_changed(pi_id: int | None) -> None:
    if pi_id is None:
        return
    for callback in list(_callbacks):
        callback(pi_id)
