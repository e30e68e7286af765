"""Dates are typed day first, as the app writes them, whatever the browser's language."""

from datetime import date

from django import forms

from trains.forms import DayInput


class Form(forms.Form):
    day = forms.DateField(widget=DayInput())


def test_a_date_is_shown_and_typed_day_first_and_iso_is_still_understood():
    html = str(Form(initial={"day": date(2027, 1, 4)})["day"])
    assert 'value="04/01/2027"' in html and 'type="text"' in html and 'placeholder="dd/mm/yyyy"' in html
    typed = Form({"day": "04/01/2027"})
    assert typed.is_valid() and typed.cleaned_data["day"] == date(2027, 1, 4)
    assert Form({"day": "2027-01-04"}).is_valid()
    assert not Form({"day": "01/31/2027"}).is_valid()  # month first is not read as a day
