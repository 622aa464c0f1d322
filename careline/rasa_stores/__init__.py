"""Careline's tracker store, lock store and event broker for Rasa, chosen by environment.

endpoints.yml names the classes here; each reads :func:`careline.settings.get_settings`
so the same file runs the embedded defaults (SQLite, in-memory lock, SQL broker) and
production (PostgreSQL, Redis, RabbitMQ). See docs/production.md.
"""
