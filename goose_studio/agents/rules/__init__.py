"""Repair, fallback and Guide rules as data (YAML), read by :mod:`goose_studio.agents.remedies`."""
