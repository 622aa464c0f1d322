"""Careline's custom actions: thin adapters from the tracker to a careline service."""
