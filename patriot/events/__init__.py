"""The outbox of state changes, written in the same transaction as the change, for live fan-out."""
