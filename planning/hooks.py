""" "A PI's plan changed": the one notification planning gives to apps built on it.

Imports run trains ← planning ← risks ← metrics, so planning cannot call metrics. Instead an app
registers a callback (metrics does, in its AppConfig.ready) and planning's services call
`pi_changed(pi_id)`, which runs the callbacks after the transaction commits — never for a write
that was rolled back.
"""

from collections.abc import Callable

from django.db import transaction

_callbacks: list[Callable[[int], None]] = []


def on_pi_changed(callback: Callable[[int], None]) -> None:
    if callback not in _callbacks:
        _callbacks.append(callback)


def pi_changed(pi_id: int | None) -> None:
    if pi_id is None:
        return
    for callback in list(_callbacks):
        transaction.on_commit(lambda callback=callback: callback(pi_id))
