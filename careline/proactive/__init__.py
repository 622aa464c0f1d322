"""Proactive outage care: tell affected customers about an incident before they ask.

An incident update (from ``careline incident …`` or the operator's network
system over HTTP) is planned into notices — who, on which channel, in which
order, with how much detail — recorded in a durable notification log so a
retry never sends twice, delivered, and entered into each customer's Rasa
conversation so their reply is answered in context.
"""
