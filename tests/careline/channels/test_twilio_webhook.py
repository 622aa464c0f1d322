from careline.channels.twilio_webhook import parse_inbound


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
