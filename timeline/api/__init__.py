"""The timeline's API endpoints live in incidents/api/timeline.py.

Finding the incident a caller may see, and deciding whether they may edit it, belongs to the
`incidents` app, which `timeline` must not import; so the views sit on the incidents side.
"""
