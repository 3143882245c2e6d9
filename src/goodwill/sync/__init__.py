"""Sync with the outside: vdir folders for contacts and calendars, IMAP for mail."""
