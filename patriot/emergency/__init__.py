"""SPGDT / PSC 119 (issue 11): emergency call-taking, triage and ambulance units.

This first part is the foundation: incidents with their triage and interval timestamps, ambulances with their
status machine, pre-arrival instructions and the call taker's page (/psc/). Dispatch suggestions, the live board,
the crew's phone page and the 1500444 transfer come later."""
