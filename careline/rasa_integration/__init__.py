"""Everything Careline plugs into Rasa, through Rasa's named extension points.

- Stores (``tracker_store``, ``lock_store``, ``event_broker``), named in endpoints.yml; each
  reads :func:`careline.settings.get_settings`, so one file runs the embedded defaults
  (SQLite, in-memory lock, SQL broker) and production (PostgreSQL, Redis, RabbitMQ).
- Processor hooks (channel identity, customer intents, pending offers, paused
  conversations, external intents, action results), each wrapping one ``MessageProcessor``
  method through :mod:`careline.rasa_integration.processor_hooks`.
- NLU components (:mod:`careline.rasa_integration.nlu`), named in config.yml's pipeline.
"""
