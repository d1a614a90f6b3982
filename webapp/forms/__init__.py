"""WTForms classes: shape checks only; business rules live in the domain services."""
