"""Keyword-only query and write functions per silo; each takes an explicit session."""
