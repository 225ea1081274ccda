"""PSC 119 pages, one module per desk: calls.py (the call taker's page, the incident, the ambulance list)."""
