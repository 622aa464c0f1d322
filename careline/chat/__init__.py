"""``careline chat``: talk to the running bot from the terminal over the REST channel."""
