"""The web chat page: a widget with buttons, typing indicator and reconnection."""
