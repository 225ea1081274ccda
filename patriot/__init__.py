"""Patriot: a city operations platform for citizen reports, the operation centre and field teams."""
