from django.conf import settings
from django.db import models
from django.db.models import Q


class SignOnIdentity(models.Model):
    """An account at the company's identity provider, tied to the ARTops account it signs in as.

    OpenID Connect names a person by the pair (issuer, subject): `sub` is stable where the e-mail
    address is not (it can change, and an unverified one proves nothing). The link is made once, on
    the first single sign-on (artops/sso.py); afterwards the pair alone finds the account.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_on_identities"
    )
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="sign_on_identity_unique_subject"),
            # One identity per provider per account: a second person at the IdP claiming the same
            # account (by the same verified e-mail) is refused rather than merged into it.
            models.UniqueConstraint(fields=["user", "issuer"], name="sign_on_identity_one_per_issuer"),
            models.CheckConstraint(condition=~Q(issuer="") & ~Q(subject=""), name="sign_on_identity_named"),
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.issuer}"
