"""Mail accounts (IMAP/SMTP, password encrypted at rest), mailbox cursors, suppressions."""
