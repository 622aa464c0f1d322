"""Phone numbers to E.164 with Google's libphonenumber, never with regexes.

Twilio sends ``whatsapp:+447700900123``, customers type ``07700 900123``;
both must find the same row, and nonsense must be refused with a reason.
"""

from __future__ import annotations

import phonenumbers

from careline.profile.errors import InvalidIdentity

_CHANNEL_PREFIXES = ("whatsapp:", "sms:", "tel:")
_MAX_LENGTH = 40


def normalise_msisdn(address: str, *, region: str) -> str:
    """Return ``address`` as E.164 (``+447700900123``) or raise :class:`InvalidIdentity`.

    ``region`` (ISO 3166 alpha-2, e.g. ``"GB"``) resolves national numbers.
    Numbers in reserved drama/test ranges (Ofcom's 07700 900xxx) count as
    valid so demo customers work; impossible numbers do not.
    """
    if not isinstance(address, str) or not address.strip():
        raise InvalidIdentity("the phone number is empty")
    text = address.strip()
    if len(text) > _MAX_LENGTH:
        raise InvalidIdentity("the phone number is too long")
    lowered = text.lower()
    for prefix in _CHANNEL_PREFIXES:
        if lowered.startswith(prefix):
            text = text[len(prefix):].strip()
            break
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, None if text.startswith("+") else region.upper())
    except phonenumbers.NumberParseException as error:
        raise InvalidIdentity(_parse_reason(error)) from error
    if not phonenumbers.is_possible_number(parsed):
        reason = phonenumbers.is_possible_number_with_reason(parsed)
        raise InvalidIdentity(_possibility_reason(reason))
    if not phonenumbers.is_valid_number(parsed) and not _is_reserved_for_drama(parsed):
        raise InvalidIdentity("the phone number is not a number in use in its country")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def looks_like_phone_number(text: str) -> bool:
    """True when ``text`` is shaped like a phone number (digits, spaces, + ( ) -)."""
    stripped = text.strip().lower()
    for prefix in _CHANNEL_PREFIXES:
        stripped = stripped.removeprefix(prefix)
    digits = sum(c.isdigit() for c in stripped)
    return digits >= 5 and all(c.isdigit() or c in " +()-." for c in stripped)


def _is_reserved_for_drama(number: phonenumbers.PhoneNumber) -> bool:
    """Ofcom reserves 07700 900000–900999 for drama; libphonenumber calls them invalid."""
    national = str(number.national_number)
    return number.country_code == 44 and national.startswith("7700900") and len(national) == 10


def _parse_reason(error: phonenumbers.NumberParseException) -> str:
    reasons = {
        phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            "the phone number has no valid country code",
        phonenumbers.NumberParseException.NOT_A_NUMBER: "that is not a phone number",
        phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD:
            "the phone number is too short",
        phonenumbers.NumberParseException.TOO_SHORT_NSN: "the phone number is too short",
        phonenumbers.NumberParseException.TOO_LONG: "the phone number is too long",
    }
    return reasons.get(error.error_type, "that is not a phone number")


def _possibility_reason(reason: int) -> str:
    result = phonenumbers.ValidationResult
    return {
        result.TOO_SHORT: "the phone number is too short",
        result.TOO_LONG: "the phone number is too long",
        result.INVALID_COUNTRY_CODE: "the phone number has no valid country code",
        result.INVALID_LENGTH: "the phone number has the wrong number of digits",
    }.get(reason, "the phone number is not possible")
