"""Importers and exporters. Each format parses into the records of `records.py`; one
matcher decides create / update / merge; one writer applies the result in one transaction."""
