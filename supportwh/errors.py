"""The one exception the CLI turns into a clear one-line message."""


class SupportWHError(Exception):
    """A user-facing failure: bad input, a failed build, a missing file."""
