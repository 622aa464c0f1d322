import time

import jwt

from careline.channels.conversation_key import customer_sender_id
from careline.channels.webchat_tokens import (
    ALGORITHM, issue_anonymous, issue_token, verify_token, webchat_secret,
)
from careline.settings import Settings

SECRET = "s3cret-for-tests-only-0123456789abcdef"


def test_a_signed_token_proves_its_identity():
    token = issue_token(subject="user-17", customer_id=17, secret=SECRET)
    identity = verify_token(token, secret=SECRET)
    assert identity.customer_id == 17 and not identity.anonymous
    assert identity.sender_id == customer_sender_id(17) != "customer-17"


def test_forged_expired_or_malformed_tokens_prove_nothing():
    assert verify_token(issue_token(subject="u", secret="another-secret-for-tests-0123456789"),
                        secret=SECRET) is None
    expired = jwt.encode({"sub": "u", "exp": int(time.time()) - 10}, SECRET, algorithm=ALGORITHM)
    assert verify_token(expired, secret=SECRET) is None
    assert verify_token("not-a-token", secret=SECRET) is None
    no_expiry = jwt.encode({"sub": "u"}, SECRET, algorithm=ALGORITHM)
    assert verify_token(no_expiry, secret=SECRET) is None
    unsigned = jwt.encode({"sub": "u", "exp": int(time.time()) + 60}, None, algorithm="none")
    assert verify_token(unsigned, secret=SECRET) is None


def test_identities_without_a_customer_get_their_own_web_conversation():
    token = issue_token(subject="visitor@example.com", secret=SECRET)
    assert verify_token(token, secret=SECRET).sender_id == "web-visitor@example.com"


def test_anonymous_sessions_are_server_issued_and_verifiable(tmp_path, monkeypatch):
    monkeypatch.setenv("CARELINE_DATA_DIR", str(tmp_path))
    from careline.settings import reset_settings

    reset_settings()
    try:
        identity, token = issue_anonymous()
        again = verify_token(token)
        assert again == identity and again.anonymous
        assert again.sender_id.startswith("web-anon-")
    finally:
        reset_settings()


def test_the_local_secret_is_generated_once_and_the_setting_wins(tmp_path):
    local = Settings(data_dir=tmp_path)
    assert webchat_secret(local) == webchat_secret(local) != ""
    assert webchat_secret(Settings(data_dir=tmp_path, webchat_secret="configured")) == "configured"
