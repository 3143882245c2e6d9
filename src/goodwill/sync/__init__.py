"""Sync with the outside: contact and calendar folders (vdirs) kept in step with the
database, and mail read by IMAP (headers only). See docs/sync.md and docs/capture.md."""
