"""Sync with the outside: contact and calendar folders (vdirs) kept in step with the
database both ways, and mail read by IMAP (headers only).

goodwill does not serve CardDAV or CalDAV. It keeps folders of one file per person or event
(the vdir format khard, khal and vdirsyncer read) in step with its database; vdirsyncer
moves those folders to and from a server. See docs/sync.md and docs/capture.md.
"""
