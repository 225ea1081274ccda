"""The refusals the GeoReport v2 spec names beyond core's InvalidInput (400) and Forbidden (403, for the api_key):
404 for what does not exist.

The spec: "The HTTP error codes should always be 404 for resources that don't exist, 403 for errors because of
wrong or missing api_key and basically 400 for any other error". 405 and 429 (core's RateLimited) are plain HTTP
on top of it.
"""

from __future__ import annotations

from patriot.core.errors import DomainError


class NotFound(DomainError):
    status_code = 404


class MethodNotAllowed(DomainError):
    status_code = 405
