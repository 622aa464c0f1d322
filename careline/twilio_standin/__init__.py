"""A local stand-in for Twilio's REST Messages API: records requests, can be inspected.

The real ``twilio`` client talks to it through ``TWILIO_API_BASE_URL``, so tests
and ``make run`` exercise the same code that reaches Twilio in production.
"""
