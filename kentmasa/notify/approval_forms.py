"""The approver's one form: sending an action back needs a note (approving needs none)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kentmasa.lib import edge

NOTE_MAX = 2000


class SendBackForm(edge.EdgeForm, forms.Form):
    note = forms.CharField(
        label=_("Why is it sent back? (the requester reads this)"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
