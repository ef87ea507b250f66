"""The importer interface every source implements (the registry of sources is registry.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from incidents.importers.records import RecordError, SourceRecord

Parsed = SourceRecord | RecordError


class ImportFileError(Exception):
    """The file (not one record in it) cannot be read: nothing is imported from it."""


class Importer:
    """Turns one tool's documented export into `SourceRecord`s.

    Subclasses set `source` (the name given to `--from`) and implement `records(path)`, yielding a
    record, or a RecordError for a record that cannot be mapped, one at a time: a large export is
    never held in memory whole. `options` carries source-specific settings (CSV's column map).
    """

    source: ClassVar[str] = ""
    label: ClassVar[str] = ""
    # Globs read when the path is a folder.
    patterns: ClassVar[tuple[str, ...]] = ("*.json",)

    def __init__(self, **options: Any) -> None:
        self.options = options

    def files(self, path: Path) -> list[Path]:
        """The files to read: the path itself, or the matching files of a folder, in name order."""
        if path.is_dir():
            found = sorted({file for pattern in self.patterns for file in path.glob(pattern)})
            if not found:
                raise ImportFileError(f"{path} holds no {' or '.join(self.patterns)} files.")
            return found
        if not path.is_file():
            raise ImportFileError(f"{path} does not exist.")
        return [path]

    def records(self, path: Path) -> Iterator[Parsed]:
        for file in self.files(path):
            yield from self.records_from_file(file)

    def records_from_file(self, file: Path) -> Iterator[Parsed]:
        raise NotImplementedError

    @staticmethod
    def load_json(file: Path) -> Any:
        try:
            with file.open(encoding="utf-8") as handle:
                return json.load(handle)
        except UnicodeDecodeError as error:
            raise ImportFileError(f"{file.name} is not UTF-8 text.") from error
        except json.JSONDecodeError as error:
            raise ImportFileError(
                f"{file.name} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})."
            ) from error
        except OSError as error:
            raise ImportFileError(f"Cannot read {file.name}: {error.strerror}.") from error
