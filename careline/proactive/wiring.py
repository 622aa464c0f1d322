"""Build OutageCare from the settings: contact policy, Twilio channel, Rasa's API."""

from __future__ import annotations

from datetime import time
from typing import Optional

from sqlalchemy.engine import Engine

from careline.proactive.policy import ContactPolicy
from careline.proactive.routing import TwilioAndRasaChannel
from careline.proactive.service import CareOptions, OutageCare
from careline.rasa_client import RasaClient
from careline.settings import Settings


def contact_policy(settings: Settings) -> ContactPolicy:
    start, end = (time.fromisoformat(part) for part in settings.quiet_hours.split("-"))
    return ContactPolicy(quiet_start=start, quiet_end=end, rate_limit=settings.notice_rate_limit,
                         rate_window_hours=settings.notice_rate_window_hours,
                         default_timezone=settings.operator_timezone)


def outage_care(settings: Settings, *, engine: Optional[Engine] = None,
                with_rasa: bool = True) -> OutageCare:
    rasa = RasaClient.from_settings(settings) if with_rasa else None
    return OutageCare(
        channel=TwilioAndRasaChannel(settings=settings, rasa=rasa), rasa=rasa, engine=engine,
        options=CareOptions(policy=contact_policy(settings),
                            concurrency=settings.notice_concurrency))
