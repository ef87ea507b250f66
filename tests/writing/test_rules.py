"""The blame rules (incidents/data/blame_rules.json) as a writer meets them."""

from __future__ import annotations

import time

import pytest

from incidents.writing import blame_flags, load_rules, rule_ids


def found(text: str, people: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    return [(flag.rule, flag.text) for flag in blame_flags(text, people=people)]


@pytest.mark.parametrize(
    ("text", "rule", "words"),
    [
        ("The outage was caused by human error.", "human-error", "human error"),
        ("Classic operator error during the deploy.", "human-error", "operator error"),
        ("She should have checked the dashboard.", "should-have", "should have"),
        ("They shouldn't have merged on a Friday.", "should-have", "shouldn't have"),
        ("He should’ve known.", "should-have", "should’ve"),
        ("The on-call failed to acknowledge the page.", "failed-to", "failed to"),
        ("Someone forgot to renew the certificate.", "forgot-to", "forgot to"),
        ("A careless config change.", "careless", "careless"),
        ("It was sloppy work.", "careless", "sloppy"),
        ("This was my mistake.", "someones-mistake", "my mistake"),
        ("It was Dave's fault.", "someones-mistake", "Dave's fault"),
        ("Marco is to blame.", "someones-mistake", "to blame"),
        ("The root cause was the intern.", "person-as-cause", "root cause was the intern"),
        (
            "The outage was caused by the on-call engineer.",
            "person-as-cause",
            "caused by the on-call engineer",
        ),
    ],
)
def test_it_flags_blame_language(text: str, rule: str, words: str) -> None:
    assert (rule, words) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "No human error was involved: the runbook pointed at the wrong cluster.",
        "It was not human error.",
        "The change wasn't careless; the linter did not cover the file.",
        "The health check did not run after the deploy.",
        "The disk filled because the log rotation job stopped.",
        "The system is fault tolerant; it's fault injection we lacked.",
        "Alice noticed the alert and rolled back within five minutes.",
        "A blameless review: the root cause was a missing rate limit.",
        "The queue failed over to the second region.",  # "failed over", not "failed to"
    ],
)
def test_it_leaves_blameless_writing_alone(text: str) -> None:
    assert found(text, people=("alice", "Alice Chen")) == []


def test_a_negation_only_covers_the_words_right_after_it() -> None:
    # "not" three words back does not excuse the judgement that follows.
    assert found("It was not about the tooling but carelessness.") == [("careless", "carelessness")]


def test_it_recognises_people_by_username_and_full_name() -> None:
    people = ("mbrandt", "Maria Brandt", "olivia")
    assert found("The root cause was Maria  Brandt.", people) == [
        ("person-as-cause", "root cause was Maria  Brandt")
    ]
    assert found("mbrandt broke the build.", people) == [("person-as-cause", "mbrandt broke")]
    assert found("The outage was triggered by olivia's deploy.", people) == [
        ("person-as-cause", "triggered by olivia")
    ]
    # A longer word that only starts with a name is not that person.
    assert found("The outage was triggered by oliviaville's deploy.", people) == []
    # Naming someone is fine; naming them as the cause is what gets flagged.
    assert found("Maria Brandt paged the database team.", people) == []


def test_matching_is_case_insensitive_and_unicode_safe() -> None:
    people = ("Élodie Durand", "Jürgen")
    assert found("HUMAN ERROR again", people) == [("human-error", "HUMAN ERROR")]
    assert found("The cause was élodie durand.", people) == [("person-as-cause", "cause was élodie durand")]
    assert found("JÜRGEN BROKE the pipeline", people) == [("person-as-cause", "JÜRGEN BROKE")]
    # A non-breaking space between the words still matches.
    assert found("human\u00a0error") == [("human-error", "human\u00a0error")]


def test_spans_point_into_the_text_as_given() -> None:
    text = "🔥 Überlastung: the deploy failed to drain, and the engineer forgot to check."
    flags = blame_flags(text)
    assert [text[flag.start : flag.end] for flag in flags] == [flag.text for flag in flags]
    assert [flag.rule for flag in flags] == ["failed-to", "forgot-to"]
    assert all(flag.explanation and flag.suggestion for flag in flags)


def test_every_rule_in_the_data_file_has_an_explanation_a_suggestion_and_a_pattern() -> None:
    rules, people_words = load_rules()
    assert len(set(rule_ids())) == len(rules) >= 7
    assert all(rule.explanation and rule.suggestion and rule.patterns for rule in rules)
    assert "the engineer" in people_words


def test_a_long_text_with_many_people_is_checked_quickly() -> None:
    people = tuple(f"user{n}" for n in range(2000)) + tuple(f"First{n} Last{n}" for n in range(2000))
    text = ("The deploy went out and the alerts fired. " * 500)[:20_000] + " human error"
    blame_flags("warm the cache", people=people)
    started = time.perf_counter()
    assert found(text, people) == [("human-error", "human error")]
    assert blame_flags("a.b-c's " * 2500, people=people) == []
    assert time.perf_counter() - started < 2
