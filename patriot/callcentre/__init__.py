"""The 1500444 call-centre console: calls, callers' history, the phone-system hook."""
