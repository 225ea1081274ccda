"""SOROT: registered citizens, verification, their reports, notifications and personal data."""
