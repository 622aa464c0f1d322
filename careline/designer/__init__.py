"""Tools for conversation designers: project checks, NLU and story reports, quality floor."""
