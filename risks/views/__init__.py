"""Views of the running-the-PI screens, split by sub-domain: the ROAM board, impediments, the ART
Sync, system demos and Inspect & Adapt. `common` maps domain errors to HTTP in one place."""
