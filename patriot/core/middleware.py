"""Language choice: pages speak Bahasa Indonesia unless the visitor chose English; the API follows the client."""

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class PageLanguageMiddleware(LocaleMiddleware):
    """Many Indonesian phones are set to English; the city's pages still open in Bahasa Indonesia.

    Pages use the language remembered from the header's switch (the language cookie), else the
    city's default. API clients keep Django's negotiation, Accept-Language included.
    """

    def process_request(self, request):  # type: ignore[no-untyped-def]
        if request.path_info.startswith("/api/"):
            return super().process_request(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        translation.activate(chosen if chosen in supported else settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()
        return None
