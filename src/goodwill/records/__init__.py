"""What a user writes: people, organisations, interactions, requests, knows-edges,
introductions, and where each sync source stands. Imports the store only."""
