"""Inbox channel connectors: e-mail (MIME, IMAP, SMTP) and marketplace message payloads."""
