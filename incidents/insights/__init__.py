"""Insights: MTTx, recurrence, action-item quality, the public status page and personal feeds.

A plain module inside `incidents` (not an app): it reads through `incidents.selectors` and
`incidents.models`, and nothing in `incidents` or `timeline` imports it.
"""
