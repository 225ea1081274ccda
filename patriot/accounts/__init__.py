"""Users, roles, agencies (OPD), their response teams (URC) and API tokens."""
