from django import forms

from ..models import Role

TEAM_HELP = "Scrum Master, Product Owner and team member act for one team; the other roles for the train."


class RoleFields(forms.Form):
    """A role on the train and, for a team role, its team. The teams come as a list the page read
    once: a form per role on the page costs no query of its own."""

    role = forms.ChoiceField(choices=[("", "Choose a role…"), *Role.choices])
    team = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, help_text=TEAM_HELP)

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.teams = {team.pk: team for team in teams}
        self.fields["team"].choices = [("", "— the whole train —"), *[(t.pk, t.name) for t in teams]]

    def clean_team(self):
        return self.teams.get(self.cleaned_data["team"])


class PersonAddForm(RoleFields):
    """Give a role to a person: one with an account, by username or e-mail, or someone new, invited."""

    field_order = ["person", "name", "role", "team"]

    person = forms.CharField(
        label="Username or e-mail",
        max_length=254,
        help_text="Someone new? Give their e-mail address: they are invited to set a password.",
    )
    name = forms.CharField(
        label="Name (for an invitation)",
        max_length=300,
        required=False,
        help_text="First and last name of someone new; people with an account keep their own.",
    )


class MembershipForm(RoleFields):
    """Change what one of a person's roles is, or which team it is for."""

    role = forms.ChoiceField(choices=Role.choices)
