"""Issue #21's conversations played end to end: YAML scripts in ``scripts/``, one stack.

``test_conversations.py`` plays every script against the session's real stack (SMS and
WhatsApp as signed Twilio webhooks, web chat over socket.io); ``transcripts.py`` plays the
ones marked ``transcript`` and writes them into docs/conversations.md.
"""
