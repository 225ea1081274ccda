"""Static files under content-hashed names in production, so the proxy may cache each one for a year."""

from __future__ import annotations

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage


class HashedStaticFilesStorage(ManifestStaticFilesStorage):
    """Django's manifest storage without rewriting `url()` in stylesheets.

    Leaflet finds its marker images from the URL in leaflet.css and expects the plain name `marker-icon.png`; a
    hashed one leaves every marker without its picture. Images named in stylesheets keep their plain names (the
    unhashed copies stay in STATIC_ROOT) and get the proxy's short cache; source-map links in scripts are still hashed.
    """

    patterns = tuple(pattern for pattern in ManifestStaticFilesStorage.patterns if pattern[0] != "*.css")
