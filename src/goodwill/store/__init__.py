"""The store: the engine and sessions, the tables, the migrations, the change log, search.

The ground floor: imports nothing of goodwill but the top-level modules (errors, vocab,
validate, schemas)."""
