"""Login throttling (django-axes, configured in settings): who a login attempt comes from, and what
a person refused for too many failures is shown."""

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_address(request: HttpRequest) -> str | None:
    """The address failures are counted against.

    Behind LOGIN_PROXY_COUNT proxies the connection comes from the nearest proxy; each proxy appends
    the address it was reached from to X-Forwarded-For, so the client is that many entries from the
    right. Entries further left are whatever the client sent and are never trusted.
    """
    count = settings.LOGIN_PROXY_COUNT
    if count:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


def lockout_message(username: str) -> str:
    minutes = settings.AXES_COOLOFF_MINUTES
    who = f"“{username}”" if username else "this username"
    return (
        f"Too many failed logins: logging in as {who} from your address is paused for {minutes} "
        f"minute{'s' if minutes != 1 else ''}. Wait that long, then try again (a try meanwhile starts "
        "the wait again). If you have forgotten your password, ask an administrator to set a new one."
    )


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """The login page again, saying why and for how long, with 429 Too Many Requests."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = AuthenticationForm(request, initial={"username": username})
    context = {
        "form": form,
        "next": request.POST.get("next") or request.GET.get("next", ""),
        "lockout_message": lockout_message(username),
    }
    return render(request, "registration/login.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
