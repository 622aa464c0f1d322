"""``careline seed``, ``demo-customers``, ``profile`` and first-start seeding."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from careline.profile import models
from careline.profile.seed.demo import DEMO_CUSTOMERS
from careline.profile.seed.runner import AlreadySeeded, seed_database, seed_if_empty
from careline.settings import reset_settings
from tests.production_profile import PRODUCTION_ENVIRONMENT

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
#: Columns that legitimately differ between two runs (random salts, wall-clock stamps).
VOLATILE = {"pin_hash"}


def _digest(url: str) -> dict[str, list[tuple]]:
    engine = create_engine(url, future=True)
    result = {}
    with engine.connect() as connection:
        for model in (models.Customer, models.CustomerIdentity, models.Line, models.Invoice,
                      models.InvoiceLineRow, models.UsageCycleRow, models.Incident,
                      models.Interaction):
            columns = [c for c in model.__table__.c if c.name not in VOLATILE]
            rows = connection.execute(select(*columns).order_by(*model.__table__.primary_key))
            result[model.__tablename__] = [tuple(r) for r in rows]
    engine.dispose()
    return result


def test_seeding_is_deterministic_and_realistic(tmp_path):
    first, second = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    seed_database(first, customers=300, seed=11, now=NOW)
    seed_database(second, customers=300, seed=11, now=NOW)
    digest = _digest(first)
    assert digest == _digest(second)
    customers = digest["crm_customers"]
    assert len(customers) == 300 + len(DEMO_CUSTOMERS)
    segments = [row[4] for row in customers]
    assert 0.25 < segments.count("prepaid") / len(segments) < 0.45
    assert 0.45 < segments.count("postpaid") / len(segments) < 0.65
    assert {"vip", "business"} <= set(segments)


def test_different_seeds_give_different_populations(tmp_path):
    first, second = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    seed_database(first, customers=40, seed=1, now=NOW)
    seed_database(second, customers=40, seed=2, now=NOW)
    assert _digest(first)["crm_customers"] != _digest(second)["crm_customers"]


def test_seeding_refuses_a_database_that_holds_profile_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    seed_database(url, customers=5, now=NOW)
    with pytest.raises(AlreadySeeded):
        seed_database(url, customers=5, now=NOW)
    assert seed_if_empty(url) is None
    engine = create_engine(url, future=True)
    with engine.connect() as connection:
        assert connection.execute(select(func.count(models.Customer.id))).scalar() == 12
    engine.dispose()


def test_seed_if_empty_migrates_and_seeds_a_new_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh' / 'careline.db'}"
    report = seed_if_empty(url, customers=3)
    assert report is not None and report.synthetic_customers == 3
    assert seed_if_empty(url, customers=3) is None


@pytest.mark.postgres
def test_seeding_postgres_keeps_sequences_usable(postgres_db):
    from tests.conftest import _temporary_postgres

    with _temporary_postgres("careline_seedtest") as database:
        seed_database(database.url, customers=20, now=NOW)
        with database.engine.begin() as connection:
            new_id = connection.execute(text(
                "INSERT INTO net_areas (code, name, region) VALUES ('ZZ1', 'Test', 'Test')"
                " RETURNING code")).scalar()
            interaction = connection.execute(text(
                "INSERT INTO eng_interactions (channel, occurred_at, summary, outcome, "
                "handed_off) VALUES ('sms', now(), 'x', 'resolved', false) RETURNING id"
            )).scalar()
        assert new_id == "ZZ1" and interaction > 20


class Careline:
    """Runs ``careline`` commands in-process against one database URL."""

    def __init__(self, url: str, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
        monkeypatch.setenv("CARELINE_DATABASE_URL", url)
        reset_settings()
        self.capsys = capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        from careline.cli.main import main

        code = main(list(args))
        out, err = self.capsys.readouterr()
        return code, out, err


def test_cli_seed_demo_customers_and_profile(tmp_path: Path, capsys, monkeypatch):
    careline = Careline(f"sqlite:///{tmp_path / 'cli.db'}", capsys, monkeypatch)
    code, out, _ = careline("seed", "--customers", "10", "--seed", "3")
    assert code == 0 and "seeded 7 demo and 10 synthetic customers" in out
    code, _, err = careline("seed", "--customers", "10")
    assert code == 1 and "already holds profile data" in err

    code, out, _ = careline("demo-customers", "--json")
    listed = json.loads(out)
    assert [c["name"] for c in listed] == [c.name for c in DEMO_CUSTOMERS]
    assert all(c["pin"] and c["story"] for c in listed)
    assert all(c["phone"] is None or c["phone"].startswith("+447700900") for c in listed)
    code, out, _ = careline("demo-customers")
    assert "Olivia Brown (postpaid, account CL10000107, PIN 5555)" in out

    code, out, _ = careline("profile", "whatsapp:+447700900101", "--json")
    profile = json.loads(out)
    assert profile["customer"]["full_name"] == "Priya Shah"
    assert profile["outages"][0]["reference"] == "INC-M1-0042"
    assert profile["balance"]["amount_due"] == "0.00"
    code, out, _ = careline("profile", "noah.w")
    assert "Noah Williams" in out and "Essential 10GB" in out

    code, _, err = careline("profile", "+447700900999")
    assert code == 1 and "no customer found" in err
    code, _, err = careline("profile", "+44 12")
    assert code == 2 and "too short" in err
    reset_settings()


def test_commands_have_help():
    result = subprocess.run([sys.executable, "-m", "careline.cli.main", "profile", "--help"],
                            capture_output=True, text=True, check=True)
    assert "IDENTITY" in result.stdout


def test_production_profile_never_seeds(tmp_path, monkeypatch):
    for name, value in PRODUCTION_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CARELINE_DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    monkeypatch.delenv("TWILIO_API_BASE_URL", raising=False)
    reset_settings()
    try:
        assert seed_if_empty(f"sqlite:///{tmp_path / 'prod.db'}") is None
    finally:
        reset_settings()
