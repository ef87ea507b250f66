"""Bring your history: importers that turn other tools' exports into Hindsight records.

Each source (`pagerduty`, `opsgenie`, `jira`, `csv`) parses its documented export into
`SourceRecord`s (records.py); one writer (writer.py) turns a record into Hindsight rows through the
services, matched on re-runs by the source's id kept in `ImportedRecord`.
"""
