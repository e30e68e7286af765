"""What every app's REST API shares: token authentication, the error shape, the train scope, the
version headers (ETag / If-Match) and list pagination. Each app's `api/` builds on these."""
