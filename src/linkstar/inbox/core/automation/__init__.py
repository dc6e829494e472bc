"""Inbox automation cores: rules engine, business-hours calendars, approvals and A/B tests."""
