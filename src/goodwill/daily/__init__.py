"""The daily session: where actions come from, the session itself (build, done, snooze,
skip), the drafts, what you did with each action, and the calendar block."""
