"""Careline: a customer-service assistant for telecom operators, built on Rasa."""

__version__ = "0.1.0"
