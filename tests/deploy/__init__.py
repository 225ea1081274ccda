"""Tests of the production recipe in deploy/."""
