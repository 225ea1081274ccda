"""Case pages, one module per audience; each module lists its own routes in `urlpatterns`."""
