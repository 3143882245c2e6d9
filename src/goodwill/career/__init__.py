"""Your career: informational interviews and their question bank, leads and where they
came from, and your profile (pitch, targets, what you offer)."""
