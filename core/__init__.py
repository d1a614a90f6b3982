"""Flask-free kernel: the declarative base, accounts, audit trail and domain errors."""
