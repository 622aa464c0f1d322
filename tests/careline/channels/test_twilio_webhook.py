import pytest
from twilio.request_validator import RequestValidator

from careline.channels.twilio_webhook import parse_form, parse_inbound, signature_matches

FORM = "application/x-www-form-urlencoded"
TOKEN = "webhook-test-token"


def test_media_location_and_whatsapp_fields_are_read():
    inbound = parse_inbound("whatsapp", {
        "MessageSid": "SM1", "From": "whatsapp:+447700900123", "Body": "", "NumMedia": "2",
        "MediaUrl0": "https://m/0", "MediaContentType0": "image/jpeg", "MediaUrl1": "https://m/1",
        "Latitude": "51.5", "Longitude": "-0.12", "Label": "Home", "ProfileName": "Ada",
        "WaId": "447700900123"})
    assert [m.url for m in inbound.media] == ["https://m/0", "https://m/1"]
    assert inbound.media[1].content_type == "application/octet-stream"
    assert (inbound.location.latitude, inbound.location.label) == (51.5, "Home")
    assert (inbound.profile_name, inbound.wa_id, inbound.body) == ("Ada", "447700900123", "")


def test_nonsense_fields_do_not_crash_and_missing_sender_is_rejected():
    inbound = parse_inbound("sms", {"MessageSid": "SM2", "From": "+447700900123",
                                    "NumMedia": "lots", "Latitude": "north", "Body": "a¡b.c"})
    assert inbound.media == () and inbound.location is None
    assert inbound.body == "a@b.c"
    assert parse_inbound("sms", {"MessageSid": "SM3", "Body": "hi"}) is None
    assert parse_inbound("sms", {"From": "+447700900123", "Body": "hi"}) is None


@pytest.mark.parametrize("signed, received", [
    ("https://careline.example/webhooks/sms/webhook", "https://careline.example/webhooks/sms/webhook"),
    ("https://careline.example:443/webhooks/sms/webhook", "https://careline.example/webhooks/sms/webhook"),
    ("https://careline.example/webhooks/sms/webhook", "https://careline.example:443/webhooks/sms/webhook"),
])
def test_a_signature_over_the_url_with_or_without_its_default_port_matches(
        signed: str, received: str) -> None:
    form = parse_form(FORM, b"Body=&From=%2B447700900123&MessageSid=SM1")
    signature = RequestValidator(TOKEN).compute_signature(signed, form)
    assert signature_matches(url=received, form=form, signature=signature, auth_token=TOKEN)


@pytest.mark.parametrize("tampered", [
    {"url": "https://careline.example/webhooks/whatsapp/webhook"},
    {"form": "Body=hi&From=%2B447700900123&MessageSid=SM1"},
    {"token": "another-account"},
])
def test_a_signature_over_anything_else_does_not_match(tampered: dict[str, str]) -> None:
    url = "https://careline.example/webhooks/sms/webhook"
    form = parse_form(FORM, b"Body=&From=%2B447700900123&MessageSid=SM1")
    signature = RequestValidator(tampered.get("token", TOKEN)).compute_signature(url, form)
    received = parse_form(FORM, tampered.get("form", "Body=&From=%2B447700900123"
                                                     "&MessageSid=SM1").encode())
    assert not signature_matches(url=tampered.get("url", url), form=received,
                                 signature=signature, auth_token=TOKEN)
