class ConflictError(Exception):
    """A write based on a stale version of the record (HTTP 409)."""

    def __init__(self, current_version: int) -> None:
        super().__init__(f"The record changed since you loaded it (now version {current_version}).")
        self.current_version = current_version
