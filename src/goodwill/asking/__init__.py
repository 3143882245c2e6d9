"""Asking your network: needs, whom to ask, warm introduction paths, announcements."""
