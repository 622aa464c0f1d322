"""Real-looking values for every setting the production profile needs, for tests that
run it (never real secrets: nothing here reaches Twilio or any real service)."""

from __future__ import annotations

from careline.settings import Settings

#: Environment variable -> value; a test sets them all, then changes or unsets some.
PRODUCTION_ENVIRONMENT = {
    "CARELINE_PROFILE": "production",
    "CARELINE_DATABASE_URL": "postgresql://app@db/careline",
    "CARELINE_PUBLIC_URL": "https://careline.example.com",
    "TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdef",
    "TWILIO_AUTH_TOKEN": "0123456789abcdef0123456789abcdef",
    "TWILIO_SMS_FROM": "+447400123456",
    "TWILIO_WHATSAPP_FROM": "+447400123457",
    "CARELINE_RASA_TOKEN": "a-long-random-rasa-token",
    "CARELINE_ACTION_SECRET": "a-shared-action-secret",
    "CARELINE_CONVERSATION_SECRET": "a-conversation-key-secret",
    "CARELINE_WEBCHAT_SECRET": "a-webchat-signing-secret",
    "CARELINE_DESK_API_TOKEN": "a-desk-api-token",
    "CARELINE_INCIDENT_API_TOKEN": "an-incident-api-token",
}


def production_fields() -> dict[str, str]:
    """The same values as :class:`Settings` keyword arguments (field name -> value)."""
    by_env = {str(field.field_info.extra.get("env")): name
              for name, field in Settings.__fields__.items()}
    return {by_env[env]: value for env, value in PRODUCTION_ENVIRONMENT.items()}
