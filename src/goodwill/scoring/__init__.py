"""Figures derived from what the store holds: tie strength, the contact summary, the
reciprocity ledger, cadence, red flags. Pure functions over the store and the records,
every weight in one place."""
