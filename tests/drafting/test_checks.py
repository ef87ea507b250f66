"""The deterministic checks on a model's answer (no database, no model)."""

from __future__ import annotations

import pytest

from incidents.drafting.checks import CauseFacts, check_draft, linked_markdown, split_sentences

KNOWN = ["I1", "E1", "E2", "E3", "C1", "C2", "C3", "A1", "U1"]
CAUSES = {
    "C1": CauseFacts("confirmed", "Confirmed"),
    "C2": CauseFacts("suspected", "Suspected"),
    "C3": CauseFacts("ruled_out", "Ruled out"),
}


def check(answer: str):
    return check_draft(answer, known=KNOWN, causes=CAUSES)


def test_a_citation_after_the_full_stop_stays_with_its_sentence() -> None:
    assert split_sentences("Checkout failed. [E1] Then it recovered [E2].") == [
        "Checkout failed. [E1]",
        "Then it recovered [E2].",
    ]


def test_abbreviations_and_versions_do_not_end_a_sentence() -> None:
    assert split_sentences("We deployed v2.3, e.g. the tax path [E1]. It failed [E2].") == [
        "We deployed v2.3, e.g. the tax path [E1].",
        "It failed [E2].",
    ]


def test_citation_lists_are_normalised_and_case_is_ignored() -> None:
    checked = check("Rolled back after the alert [e2, E3; u1].")

    assert checked.text == "Rolled back after the alert [E2][E3][U1]."
    assert checked.cited == ["E2", "E3", "U1"]


def test_bullets_and_paragraphs_keep_their_shape() -> None:
    checked = check(
        "Detection was slow [E2].\n\n"
        "- No canary stage may have hidden it [C2]\n- Unsupported claim\n- Alerting lagged [E2]"
    )

    assert checked.text == (
        "Detection was slow [E2].\n\n- No canary stage may have hidden it [C2]\n- Alerting lagged [E2]"
    )
    assert [removal.sentence for removal in checked.removed] == ["Unsupported claim"]


def test_a_heading_is_not_a_sentence_of_the_draft() -> None:
    checked = check("## Summary\nCheckout failed [I1].")

    assert checked.text == "Checkout failed [I1]."
    assert checked.removed[0].sentence == "## Summary"


@pytest.mark.parametrize(
    "sentence",
    [
        "The root cause was the missing canary [C2].",
        "The outage was due to the missing canary [C2].",
        "Because of the missing canary, the bug shipped [C2].",
        "The missing canary caused the outage [C2].",
        "The missing canary led to the outage [E1][C2].",
        "We confirmed the provider failed [C3].",
        "The outage was caused by the provider [C3].",
    ],
)
def test_confirming_a_doubtful_cause_is_left_out(sentence: str) -> None:
    checked = check(sentence)

    assert checked.text == ""
    assert "but this sentence states it as established" in checked.removed[0].reason


@pytest.mark.parametrize(
    "sentence",
    [
        "The missing canary is suspected to have let the bug through [C2].",
        "The missing canary may have caused the outage [C2].",
        "The outage was likely due to the missing canary [C2].",
        "The provider was ruled out as the cause [C3].",
        "The outage was not caused by the provider [C3].",
        "The root cause was the null pointer [C1].",
        "The null pointer caused the outage [C1][E1].",
    ],
)
def test_hedged_or_confirmed_causes_are_kept(sentence: str) -> None:
    assert check(sentence).text == sentence


def test_a_sentence_citing_a_confirmed_and_a_suspected_cause_is_checked_for_the_suspected_one() -> None:
    checked = check("The outage was caused by the null pointer and the missing canary [C1][C2].")

    assert checked.text == ""
    assert checked.removed[0].reason.startswith("C2 is suspected")


def test_links_point_at_the_cited_entries() -> None:
    citations = {"E1": {"url": "/incidents/INC-1/timeline/5/"}, "C2": {"url": "/incidents/INC-1/#cause-9"}}

    assert linked_markdown("Deployed [E1][C2].", citations) == (
        "Deployed [\\[E1\\]](/incidents/INC-1/timeline/5/)[\\[C2\\]](/incidents/INC-1/#cause-9)."
    )
