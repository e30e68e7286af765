"""risks's REST API (see trains/api for what every app's API shares)."""
