"""A throw-away app that plugs into Patriot the way a new app would (issue 10): everything it adds is registered
in its apps.py, and installing it takes only its line in INSTALLED_APPS (settings.py here). tests/core/
test_throwaway_app.py runs a process with it installed and checks that every part of Patriot sees it."""
