"""Outbound callback URLs: kept for callers of the older API; the guard is services.outbound."""
from .outbound import UnsafeDestinationError, check_url, instance_allows

UnsafeCallbackError = UnsafeDestinationError


def check_callback_url(url: str, allow_private: bool | None = None) -> str:
    """Return the URL if it may be called; raise UnsafeCallbackError naming the problem otherwise."""
    if allow_private is None:
        allow_private = instance_allows()
    return check_url(url, allow=allow_private, require_resolution=True)
