"""Any JSON value for any kind of field is stored or refused with a message, never a crash."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents.taxonomy.models import CustomField, FieldKind
from incidents.taxonomy.services import clean_value

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=5,
)
NUMBERISH = st.from_regex(r"\s*-?[0-9,]{0,20}(\.[0-9]{0,10})?([eE][-+]?[0-9]{1,12})?\s*", fullmatch=True)


@pytest.mark.django_db
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(FieldKind.values), raw=JSON | NUMBERISH)
def test_any_value_is_stored_or_refused(kind: str, raw: Any) -> None:
    field = CustomField(key="value", label="Value", kind=kind, choices=["a", "b"])
    try:
        stored = clean_value(field, raw)
    except ValidationError as error:
        messages = error.messages
        stored = None
    else:
        messages = ["stored"]
    assert messages
    if stored is None:
        return
    if kind == FieldKind.NUMBER:
        assert isinstance(stored, int | float)
        assert abs(stored) <= 10**15
    elif kind == FieldKind.CHOICE:
        assert stored in ("a", "b")
    elif kind in (FieldKind.TEXT, FieldKind.DATE):
        assert isinstance(stored, str)


def test_errors_inside_a_field_are_nested_beside_the_fields_own() -> None:
    from incidents.extensions import nest_dotted

    detail = {"custom_fields": ["Bad."], "custom_fields.region": ["Choose."], "title": ["Empty."]}
    assert nest_dotted(detail) == {
        "custom_fields": {"non_field_errors": ["Bad."], "region": ["Choose."]},
        "title": ["Empty."],
    }
    assert nest_dotted({"custom_fields.region": ["Choose."], "custom_fields": ["Bad."]}) == {
        "custom_fields": {"region": ["Choose."], "non_field_errors": ["Bad."]}
    }
