"""The web chat page: a small widget (buttons, typing indicator, reconnect) for the webchat channel."""
