"""The UI a responder reaches for at 3 a.m., in a real browser: times, keys, filters, small screens."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.showcase import Showcase, build_showcase


@pytest.fixture
def showcase(_roles: None) -> Showcase:
    return build_showcase()


@pytest.mark.browser
def test_the_utc_toggle_shows_every_time_in_utc_and_back(page: Any, sign_in: Any, showcase: Showcase) -> None:
    sign_in(showcase.responder)  # Europe/Berlin
    page.goto(f"/incidents/{showcase.resolved.reference}/")
    started = page.locator(".incident-facts time.when")
    expect(started).to_contain_text("CE")  # CET or CEST: the zone is named
    utc_title = started.get_attribute("title")
    assert utc_title
    assert utc_title.endswith(" UTC")
    clock = page.locator("#timeline-events .event-when .clock").first
    expect(clock).to_contain_text("CE")

    page.click("#utc-toggle")
    expect(started).to_have_text(utc_title)
    expect(clock).to_contain_text("UTC")
    expect(page.locator("#utc-toggle")).to_have_attribute("aria-pressed", "true")
    # The choice holds on the next page too.
    page.goto("/incidents/")
    expect(page.locator("table time.when").first).to_contain_text("UTC")
    page.click("#utc-toggle")
    expect(page.locator("table time.when").first).to_contain_text("CE")


@pytest.mark.browser
@pytest.mark.parametrize("field", ["#id_when", "#id_kind", "#id_body"])
def test_ctrl_enter_adds_the_entry_from_any_quick_add_field(
    page: Any, sign_in: Any, showcase: Showcase, field: str
) -> None:
    from timeline.models import TimelineEvent

    sign_in(showcase.responder)
    page.goto(f"/incidents/{showcase.ongoing.reference}/")
    count = page.locator("#timeline-events li.event").count()
    page.fill("#id_body", f"Sent from {field}")
    page.fill("#id_when", "-2m")
    page.focus(field)
    page.keyboard.press("Control+Enter")
    expect(page.locator("#timeline-events li.event")).to_have_count(count + 1)
    assert TimelineEvent.objects.filter(body=f"Sent from {field}").exists()


@pytest.mark.browser
def test_insights_charts_use_the_full_width_and_stay_legible_on_a_laptop(
    page: Any, sign_in: Any, showcase: Showcase
) -> None:
    sign_in(showcase.responder)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto("/insights/")
    sizes = page.eval_on_selector_all(
        "svg.chart",
        """charts => charts.map(chart => {
            const card = chart.closest('.card');
            const padding = parseFloat(getComputedStyle(card).paddingLeft) * 2;
            const label = chart.querySelector('text.axis').getBoundingClientRect();
            return {chart: chart.getBoundingClientRect().width, room: card.clientWidth - padding,
                    text: label.height};
        })""",
    )
    assert len(sizes) == 5
    for size in sizes:
        assert size["chart"] >= size["room"] - 2, size  # the whole width of its card
        assert size["text"] >= 12, size  # axis text at a readable size


@pytest.mark.browser
def test_timeline_filters_narrow_the_list_and_the_url_can_be_shared(
    page: Any, sign_in: Any, showcase: Showcase
) -> None:
    sign_in(showcase.responder)
    incident_url = f"/incidents/{showcase.resolved.reference}/"
    page.goto(incident_url)
    entries = page.locator("#timeline-events li.event")
    everything = entries.count()
    assert everything >= 6
    page.fill("#timeline-filter-q", "rolling back")
    expect(entries).to_have_count(2)  # the action and the status update that say it
    expect(page.locator("#timeline-filter-q")).to_be_focused()  # typing goes on undisturbed
    page.select_option("#timeline-filter-kind", "action")
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("rolling back deploy 4182")
    page.wait_for_url(lambda url: "kind=action" in url and "q=rolling+back" in url)
    shared = page.url

    page.goto(shared)  # the same filters from the link itself
    expect(entries).to_have_count(1)
    expect(page.locator("#timeline-filter-kind")).to_have_value("action")
    page.check("#timeline-filter-key")
    expect(entries).to_have_count(1)
    page.click("text=Show every entry")
    expect(entries).to_have_count(everything)


@pytest.mark.browser
def test_keyboard_shortcuts(page: Any, sign_in: Any, showcase: Showcase) -> None:
    sign_in(showcase.responder)
    page.goto(f"/incidents/{showcase.ongoing.reference}/")
    page.locator("body").click(position={"x": 5, "y": 300})

    page.keyboard.press("?")
    dialog = page.locator("dialog#shortcuts")
    expect(dialog).to_be_visible()
    for listed in ("New timeline entry", "Search", "Go to incidents", "Go to action items"):
        expect(dialog).to_contain_text(listed)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    page.keyboard.press("n")
    expect(page.locator("#id_body")).to_be_focused()
    page.keyboard.type("n and / typed here stay text")  # no shortcut fires inside a field
    expect(page.locator("#id_body")).to_have_value("n and / typed here stay text")
    page.locator("#id_body").blur()

    page.keyboard.press("/")
    expect(page.locator("#timeline-filter-q")).to_be_focused()
    page.locator("#timeline-filter-q").blur()

    page.keyboard.press("g")
    page.keyboard.press("a")
    page.wait_for_url("**/actions/")
    page.keyboard.press("g")
    page.keyboard.press("i")
    page.wait_for_url("**/incidents/")
    page.keyboard.press("/")
    expect(page.locator("#id_q")).to_be_focused()


@pytest.mark.browser
def test_no_main_page_scrolls_sideways_on_a_320_px_phone(page: Any, sign_in: Any, showcase: Showcase) -> None:
    sign_in(showcase.responder)
    page.set_viewport_size({"width": 320, "height": 640})
    too_wide = {}
    for name, url in showcase.main_pages().items():
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            culprits = page.evaluate(
                """() => [...document.querySelectorAll('body *')]
                    .filter(el => el.getBoundingClientRect().right > 321)
                    .slice(0, 3).map(el => el.tagName + '.' + el.className)"""
            )
            too_wide[name] = (width, culprits)
    assert not too_wide, too_wide
    # Wide tables scroll inside their own box, and no column is cut off out of reach.
    for url in ("/incidents/", "/actions/?tab=all"):
        page.goto(url)
        scrolled = page.evaluate(
            """() => {
                const box = document.querySelector('table').closest('.table-wrap');
                box.scrollLeft = 10000;
                return {left: box.scrollLeft, hidden: box.scrollWidth - box.clientWidth};
            }"""
        )
        assert scrolled["hidden"] > 0, url  # the table is wider than the phone…
        assert scrolled["left"] == scrolled["hidden"], url  # …and its last column can be reached


def _contrast(page: Any, selector: str, foreground: str = "color") -> list[float]:
    """Contrast of each matching element's text (or outline) against its own background."""
    return page.eval_on_selector_all(
        selector,
        """(els, foreground) => {
          const rgb = text => text.match(/[\\d.]+/g).slice(0, 3).map(Number);
          const lum = c => {
            const [r, g, b] = c.map(v => {
              v /= 255;
              return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
            });
            return 0.2126 * r + 0.7152 * g + 0.0722 * b;
          };
          const ratio = (a, b) => {
            const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
            return (x + 0.05) / (y + 0.05);
          };
          const backdrop = (el, skipSelf) => {
            for (el = skipSelf ? el.parentElement : el; el; el = el.parentElement) {
              const colour = getComputedStyle(el).backgroundColor;
              const parts = (colour || "").match(/[\\d.]+/g) || [];
              if (parts.length === 3 || (parts.length === 4 && Number(parts[3]) > 0)) return rgb(colour);
            }
            return [255, 255, 255];
          };
          return els.map(el => ratio(rgb(getComputedStyle(el)[foreground]),
                                     backdrop(el, foreground === 'outlineColor')));
        }""",
        foreground,
    )


@pytest.mark.browser
def test_severity_badges_and_focus_rings_have_enough_contrast(
    page: Any, sign_in: Any, showcase: Showcase
) -> None:
    from tests.factories import IncidentFactory

    for severity in ("SEV2", "SEV3", "SEV4"):
        IncidentFactory(title=f"A {severity} incident", severity=severity, commander=showcase.responder)
    sign_in(showcase.responder)
    # (The status page shows severity as text in this version, no badge.)
    pages = ["/", "/incidents/", f"/incidents/{showcase.ongoing.reference}/"]
    for url in pages:
        page.goto(url)
        ratios = _contrast(page, ".sev")
        assert ratios, url
        assert min(ratios) >= 4.5, (url, ratios)  # small bold text: WCAG AA

    page.goto(f"/incidents/{showcase.ongoing.reference}/")
    for selector in ("#timeline-filter-q", ".tabs a", ".mainnav a"):
        page.focus(selector)
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")  # focus by keyboard, so :focus-visible applies
        ring = _contrast(page, ":focus-visible", "outlineColor")
        assert ring, selector
        assert ring[0] >= 3, (selector, ring)  # WCAG non-text contrast


@pytest.mark.browser
def test_an_added_entry_is_announced_and_the_bell_is_a_44_px_target(
    page: Any, sign_in: Any, showcase: Showcase
) -> None:
    sign_in(showcase.responder)
    page.goto(f"/incidents/{showcase.ongoing.reference}/")
    announcer = page.locator("#live-announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")
    page.fill("#id_body", "Cache flushed on all nodes")
    page.click("#quick-add button[type=submit]")
    expect(announcer).to_contain_text("Entry added at")
    expect(announcer).to_contain_text("Cache flushed on all nodes")

    box = page.locator("#notification-bell").bounding_box()
    assert box is not None
    assert box["width"] >= 44
    assert box["height"] >= 44
