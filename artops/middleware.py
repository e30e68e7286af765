"""Domain errors mapped to HTTP in one place for the HTML views (the API maps them in its own)."""

from django.shortcuts import render

from trains.access import NotAllowed


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotAllowed):
            if getattr(request, "htmx", False):
                # htmx shows the text of a refused request as a message (static/js/app.js).
                response = render(request, "errors/message.txt", {"message": str(exception)}, status=403)
                response["Content-Type"] = "text/plain; charset=utf-8"
                return response
            return render(request, "errors/403.html", {"message": str(exception)}, status=403)
        return None
