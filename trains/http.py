"""Typed request classes for every app's views, so that `request.htmx` and `request.user` are known to
tools. In trains, the bottom layer, so that every app imports them downward."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails
    user: AbstractBaseUser | AnonymousUser
