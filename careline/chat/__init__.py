"""``careline chat``: talk to the running bot from the terminal, over the REST channel or,
with ``--phone``, as a customer's phone (signed webhooks through the Twilio stand-in)."""
