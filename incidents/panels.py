"""Where sub-apps plug into the core's pages: panels, navigation entries.

The core's templates never name a sub-app's template. They render whatever is registered for a
slot; a sub-app registers its panels in its `AppConfig.ready` (as it registers close checks in
`incidents.services.incidents.CLOSE_CHECKS`). Without the sub-app in INSTALLED_APPS its panels are
simply not there.

Slots (the context each panel template gets is the page's own):
- `navigation`: entries of the top bar (`register_nav`).
- `usernav`: beside the user menu in the top bar (every page).
- `dashboard`: cards at the end of the dashboard.
- `incident_tabs`: links in the incident page's tab bar (`incident`, `tab`).
- `incident_side`: cards beside the timeline on the incident page (`incident`, `causes`, …).
- `action_items`: rendered once before a list of action items (`actions`): prefetch what the
  per-item panels show.
- `action_item`: inside each action item of a list (`action`, `incident`).
- `action_form`: inside the action-item form, after the description (`form`, `action`).
- `profile`: links on the profile page.
- `incident_head`: under the incident page's header (`incident`), e.g. a follow button.
- `incident_list`: between the incident list's filters and its results (`filterset`).
- `incident_filters`: fields inside the incident list's filter form, before its buttons
  (`filterset`, `form`); the filter itself is registered with `filters.register_incident_filter`.
- `status_page`: at the end of the public status page (no user).
- `declare_form`: in the declare form, under the title (`form`).
- `postmortem_side`: cards in the postmortem editor's sidebar (`incident`, `postmortem`, `can_edit`).
- `postmortem_section`: under each section of the postmortem editor (`section`, `postmortem`,
  `incident`, `can_edit`, `read_only`).
"""

from __future__ import annotations

from dataclasses import dataclass

SLOTS = frozenset(
    {
        "navigation",
        "usernav",
        "dashboard",
        "incident_tabs",
        "incident_side",
        "action_items",
        "action_item",
        "action_form",
        "profile",
        "incident_head",
        "incident_list",
        "incident_filters",
        "status_page",
        "postmortem_side",
        "declare_form",
        "postmortem_section",
    }
)


@dataclass(frozen=True, order=True)
class Panel:
    order: int
    template: str


@dataclass(frozen=True, order=True)
class NavEntry:
    order: int
    label: str
    url_name: str
    key: str  # what `current` is on the entry's own pages (aria-current)


_panels: dict[str, list[Panel]] = {slot: [] for slot in SLOTS}
_navigation: list[NavEntry] = []


def register_panel(slot: str, template: str, *, order: int = 100) -> None:
    """Show `template` in `slot` (idempotent: registering the same template twice shows it once)."""
    if slot not in SLOTS:
        raise ValueError(f"Unknown panel slot {slot!r}; choose one of {sorted(SLOTS)}.")
    panel = Panel(order, template)
    if panel not in _panels[slot]:
        _panels[slot].append(panel)
        _panels[slot].sort()


def panel_templates(slot: str) -> list[str]:
    """Return the templates registered for `slot`, in order."""
    return [panel.template for panel in _panels.get(slot, [])]


def register_nav(label: str, url_name: str, *, key: str, order: int = 100) -> None:
    """Add an entry to the top bar's navigation (idempotent)."""
    entry = NavEntry(order, label, url_name, key)
    if entry not in _navigation:
        _navigation.append(entry)
        _navigation.sort()


def navigation() -> list[NavEntry]:
    return list(_navigation)
