"""Sync with the outside: contact and calendar folders (vdirs) and mail by IMAP."""
