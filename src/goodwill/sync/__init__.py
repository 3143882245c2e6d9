"""Sync with the outside: a contacts vdir and a calendar vdir kept in step with the database.

goodwill does not serve CardDAV or CalDAV. It keeps folders of one file per person or event
(the vdir format khard, khal and vdirsyncer read) in step with its database, both ways;
vdirsyncer moves those folders to and from a server. See docs/sync.md.
"""
