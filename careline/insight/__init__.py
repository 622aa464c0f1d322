"""Contact-centre insight: fold the event broker's stream into an analytics store.

The store answers what drives contacts, what the bot contains, why it hands
off and which customers are at risk; ``careline report`` and the desk's
dashboard page draw the same figures.
"""
