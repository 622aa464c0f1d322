"""Careline's SMS, WhatsApp and web chat channels, and sending outside a Rasa turn."""
