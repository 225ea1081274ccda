"""Patriot's settings with the throw-away app installed: the one edit outside the app's folder."""

from patriot.settings import *  # noqa: F403
from patriot.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.throwaway"]
