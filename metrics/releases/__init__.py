"""Release readiness (issue 16, part 4): a release milestone's go/no-go checklist with criteria read
from live data or set by their owners, a readiness %, and the log of go/no-go decisions."""
