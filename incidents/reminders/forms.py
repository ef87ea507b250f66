from __future__ import annotations

from typing import Any

from django import forms

from incidents.reminders.models import Rule


class PreferencesForm(forms.Form):
    """One email and one webhook checkbox per rule (in-app is always on)."""

    def __init__(self, *args: Any, initial_rows: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = []
        for row in initial_rows:
            for channel in ("email", "webhook"):
                name = f"{row['rule']}__{channel}"
                self.fields[name] = forms.BooleanField(required=False, initial=row[channel], label=channel)
            self.rows.append(
                {
                    "label": row["label"],
                    "email": self[f"{row['rule']}__email"],
                    "webhook": self[f"{row['rule']}__webhook"],
                }
            )

    def choices(self) -> dict[str, dict[str, bool]]:
        return {
            rule: {
                "email": self.cleaned_data[f"{rule}__email"],
                "webhook": self.cleaned_data[f"{rule}__webhook"],
            }
            for rule in Rule.values
        }
