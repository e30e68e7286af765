"""The signed-in person's own settings: their personal API tokens."""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from .forms import apply_service_errors
from .http import HtmxHttpRequest
from .models import ApiToken
from .services import api_token_create, api_token_revoke

# Where a new token's secret waits for the one page view that shows it (never stored otherwise).
NEW_SECRET = "artops_new_api_token"


class TokenForm(forms.Form):
    name = forms.CharField(max_length=80, help_text="What will use it, such as “CI pipeline” or “Jira sync”.")
    expires_in_days = forms.TypedChoiceField(
        label="Expires",
        coerce=int,
        empty_value=None,
        required=False,
        choices=[("", "Never"), (30, "In 30 days"), (90, "In 90 days"), (365, "In a year")],
    )


@login_required
def tokens(request: HtmxHttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data["expires_in_days"]
        try:
            token, secret = api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                expires_at=timezone.now() + timedelta(days=days) if days else None,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            request.session[NEW_SECRET] = {"id": token.pk, "secret": secret}
            return redirect("account-tokens")
    new = request.session.pop(NEW_SECRET, None)
    context = {
        "form": form,
        "tokens": ApiToken.objects.filter(user=request.user),
        "new_secret": new["secret"] if new else None,
        "new_id": new["id"] if new else None,
        "now": timezone.now(),
    }
    return render(request, "trains/tokens.html", context, status=422 if form.errors else 200)


@login_required
@require_POST
def token_revoke(request: HtmxHttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    api_token_revoke(token=token, actor=request.user)
    messages.success(request, f"“{token.name}” is revoked: calls with it are refused from now on.")
    return redirect("account-tokens")
