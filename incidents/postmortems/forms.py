from __future__ import annotations

from django import forms

from incidents.postmortems.services import MAX_SECTION_LENGTH


class SectionForm(forms.Form):
    body = forms.CharField(required=False, strip=False, max_length=MAX_SECTION_LENGTH, widget=forms.Textarea)
    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class FlagDismissForm(forms.Form):
    rule = forms.CharField(max_length=50)
    text = forms.CharField(max_length=1000)


class PreviewForm(forms.Form):
    body = forms.CharField(required=False, strip=False, max_length=MAX_SECTION_LENGTH)


class CommentForm(forms.Form):
    comment = forms.CharField(required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 3}))


class DiffForm(forms.Form):
    old = forms.IntegerField(min_value=1)
    new = forms.IntegerField(min_value=1)
