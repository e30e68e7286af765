"""Admin for PIs, iterations, features, stories, milestones, dependencies, objectives, votes and capacity.

Every admin here is train-scoped (see trains.admin_base.TrainScopedAdmin): an RTE sees and fixes the
rows of their own trains only. Every write goes through the planning services as the RTE
(trains.admin_base.ServiceAdmin), so the product's rules, the board's change signal and the metrics'
stale mark apply; a model no service writes from here is shown read-only.
"""

from . import board, delivery, imports, planning  # noqa: F401  (registering the admins is importing them)
