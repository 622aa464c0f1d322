"""The sign-in throttle's counting, on a clock the test moves."""

from careline.desk.login_throttle import LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_account_is_refused_after_its_limit_until_the_window_moves_on():
    clock = Clock()
    throttle = LoginThrottle(per_account=3, per_address=100, window_seconds=60, clock=clock)
    for _ in range(3):
        assert throttle.check(username="ana", address="10.0.0.1").allowed
        throttle.failed(username="ana", address="10.0.0.1")
        clock.now += 10
    verdict = throttle.check(username="ANA", address="10.0.0.1")  # usernames ignore case
    assert not verdict.allowed and verdict.retry_after_seconds == 30
    assert throttle.check(username="ana", address="10.0.0.2").allowed  # another address
    assert throttle.check(username="bo", address="10.0.0.1").allowed   # another account
    clock.now += 30
    assert throttle.check(username="ana", address="10.0.0.1").allowed


def test_one_address_spraying_usernames_is_refused():
    throttle = LoginThrottle(per_account=5, per_address=4, window_seconds=60, clock=Clock())
    for name in ("a", "b", "c", "d"):
        throttle.failed(username=name, address="10.0.0.9")
    assert not throttle.check(username="e", address="10.0.0.9").allowed
    assert throttle.check(username="e", address="10.0.0.8").allowed


def test_a_right_password_clears_the_accounts_count_but_not_the_addresss():
    throttle = LoginThrottle(per_account=2, per_address=3, window_seconds=60, clock=Clock())
    throttle.failed(username="ana", address="10.0.0.1")
    throttle.succeeded(username="ana", address="10.0.0.1")
    throttle.failed(username="ana", address="10.0.0.1")
    assert throttle.check(username="ana", address="10.0.0.1").allowed
    throttle.failed(username="ana", address="10.0.0.1")
    assert not throttle.check(username="ana", address="10.0.0.1").allowed
