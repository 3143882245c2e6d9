"""Pydantic schemas: one description of the data for the CLI's JSON/CSV and the web API."""
