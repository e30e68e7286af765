"""Every domain error an HTML view lets escape becomes its refusal here (trains/refusals.py).

A view handles a domain error itself only where it can do better than a message: a form that puts
it on its fields, a stale edit that shows the fresh data (trains.forms.save_form). Any other error
is left alone, so a programming error stays a 500.
"""

from trains.refusals import refusal, refusal_response


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        refused = refusal(exception)
        return None if refused is None else refusal_response(request, refused)
