import pytest

from careline.profile.enums import IdentityKind
from careline.profile.errors import InvalidIdentity
from careline.profile.identity import candidate_identities


def test_sms_matches_the_normalised_mobile_number():
    assert candidate_identities("sms", "07700 900101", region="GB") == [
        (IdentityKind.MSISDN, "+447700900101")]


def test_whatsapp_tries_its_own_number_then_the_mobile_number():
    assert candidate_identities("whatsapp", "whatsapp:+447700900112", region="GB") == [
        (IdentityKind.WHATSAPP, "+447700900112"), (IdentityKind.MSISDN, "+447700900112")]


def test_webchat_matches_a_web_account_or_an_email_in_lower_case():
    assert candidate_identities("webchat", " noah.w ", region="GB") == [
        (IdentityKind.WEB_ACCOUNT, "noah.w")]
    assert candidate_identities("webchat", "Noah.Williams@Example.com", region="GB") == [
        (IdentityKind.EMAIL, "noah.williams@example.com")]


def test_operator_channels_accept_any_identity():
    assert candidate_identities("rest", "cl10000104", region="GB")[-1] == (
        IdentityKind.ACCOUNT_NUMBER, "CL10000104")
    assert candidate_identities("terminal", "+44 7700 900101", region="GB")[0] == (
        IdentityKind.MSISDN, "+447700900101")


@pytest.mark.parametrize("channel, address, reason", [
    ("carrier-pigeon", "+447700900101", "unknown channel"),
    ("sms", "", "empty"),
    ("sms", "not a number", "not a phone number"),
    ("email", "no-at-sign", "not an email"),
    ("webchat", "a" * 300, "too long"),
])
def test_bad_identities_are_refused_with_a_reason(channel, address, reason):
    with pytest.raises(InvalidIdentity) as error:
        candidate_identities(channel, address, region="GB")
    assert reason in error.value.reason
