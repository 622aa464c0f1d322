"""Everything Careline plugs into Rasa.

- Stores (``tracker_store``, ``lock_store``, ``event_broker``), named in endpoints.yml; each
  reads :func:`careline.settings.get_settings`, so one file runs the embedded defaults
  (SQLite, in-memory lock, SQL broker) and production (PostgreSQL, Redis, RabbitMQ).
- Turn hooks (the Agent guard, channel identity, customer intents, pending offers, paused
  conversations, external intents, action results, the action endpoint): each module holds
  the rule and a function that wraps one Rasa method with it;
  :mod:`careline.rasa_integration.patches` lists them, checks Rasa's version and installs
  them at start. :mod:`careline.rasa_integration.rasa_internals` lists every other private
  Rasa member Careline relies on.
- NLU components (:mod:`careline.rasa_integration.nlu`), named in config.yml's pipeline.
"""
