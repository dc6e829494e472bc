"""Stored inbox automations: rules (versioned, audited runs) and A/B tests of templates."""
