"""Reference data every database gets: the catalogue, roaming zones and network areas.

Prices exclude VAT (invoices add a VAT line). ``None`` allowances are unlimited.
"""

from __future__ import annotations

from decimal import Decimal as D

from careline.profile import models
from careline.profile.seed.builder import DatasetBuilder

# code, name, payment type, price, data GB, minutes, texts, contract months, EU roaming, on sale
PLANS = (
    ("PAYG-5", "Pay As You Go 5GB", "prepaid", D("10.00"), D("5"), 500, None, 0, False, True),
    ("PAYG-15", "Pay As You Go 15GB", "prepaid", D("15.00"), D("15"), None, None, 0, False, True),
    ("PAYG-40", "Pay As You Go 40GB", "prepaid", D("20.00"), D("40"), None, None, 0, False, True),
    ("SIMO-5", "Essential 5GB", "postpaid", D("12.00"), D("5"), None, None, 12, False, True),
    ("SIMO-10", "Essential 10GB", "postpaid", D("15.00"), D("10"), None, None, 12, False, True),
    ("SIMO-25", "Plus 25GB", "postpaid", D("20.00"), D("25"), None, None, 12, True, True),
    ("SIMO-60", "Plus 60GB", "postpaid", D("25.00"), D("60"), None, None, 24, True, True),
    ("UNL", "Unlimited", "postpaid", D("32.00"), None, None, None, 24, True, True),
    ("UNL-MAX", "Unlimited Max", "postpaid", D("40.00"), None, None, None, 24, True, True),
    ("CLASSIC-2", "Classic 2GB", "postpaid", D("10.00"), D("2"), 300, 300, 0, False, False),
)

# code, name, kind, price, validity days, zone, data GB
ADD_ONS = (
    ("ROAM-EU-DAY", "Europe Day Pass", "roaming_daily", D("2.50"), 1, "EU", None),
    ("ROAM-EU-MONTH", "Europe Monthly Pass", "roaming_monthly", D("20.00"), 30, "EU", None),
    ("ROAM-W1-DAY", "World Day Pass", "roaming_daily", D("6.00"), 1, "WORLD1", None),
    ("ROAM-W1-MONTH", "World Monthly Pass", "roaming_monthly", D("45.00"), 30, "WORLD1", None),
    ("ROAM-W2-DAY", "World Plus Day Pass", "roaming_daily", D("9.00"), 1, "WORLD2", None),
    ("ROAM-W2-MONTH", "World Plus Monthly Pass", "roaming_monthly", D("70.00"), 30, "WORLD2",
     None),
    ("BOOST-5", "5GB Data Boost", "data_boost", D("5.00"), 30, None, D("5")),
)

DESTINATIONS = (
    ("FR", "France", "EU"), ("ES", "Spain", "EU"), ("IT", "Italy", "EU"),
    ("DE", "Germany", "EU"), ("PT", "Portugal", "EU"), ("IE", "Ireland", "EU"),
    ("GR", "Greece", "EU"), ("NL", "Netherlands", "EU"), ("CH", "Switzerland", "EU"),
    ("US", "United States", "WORLD1"), ("CA", "Canada", "WORLD1"),
    ("AU", "Australia", "WORLD1"), ("AE", "United Arab Emirates", "WORLD1"),
    ("TR", "Turkey", "WORLD1"), ("IN", "India", "WORLD2"), ("JP", "Japan", "WORLD2"),
    ("TH", "Thailand", "WORLD2"), ("ZA", "South Africa", "WORLD2"), ("BR", "Brazil", "WORLD2"),
)

# code (postcode district), name, region
AREAS = (
    ("M1", "Manchester city centre", "North West"), ("M20", "Didsbury", "North West"),
    ("L1", "Liverpool city centre", "North West"), ("LS6", "Headingley, Leeds", "Yorkshire"),
    ("S10", "Broomhill, Sheffield", "Yorkshire"), ("YO1", "York centre", "Yorkshire"),
    ("NE1", "Newcastle centre", "North East"), ("B1", "Birmingham centre", "Midlands"),
    ("NG7", "Lenton, Nottingham", "Midlands"), ("LE1", "Leicester centre", "Midlands"),
    ("CB1", "Cambridge", "East"), ("NR2", "Norwich", "East"),
    ("E1", "Whitechapel", "London"), ("N1", "Islington", "London"),
    ("SE1", "Southwark", "London"), ("SW9", "Brixton", "London"),
    ("W2", "Paddington", "London"), ("BS1", "Bristol centre", "South West"),
    ("EX4", "Exeter", "South West"), ("BN1", "Brighton", "South East"),
    ("OX1", "Oxford", "South East"), ("CF10", "Cardiff centre", "Wales"),
    ("SA1", "Swansea", "Wales"), ("EH1", "Edinburgh Old Town", "Scotland"),
    ("G1", "Glasgow centre", "Scotland"), ("AB10", "Aberdeen", "Scotland"),
    ("BT1", "Belfast centre", "Northern Ireland"), ("PL1", "Plymouth", "South West"),
)

TOWNS = {code: name.split(", ")[-1].replace(" centre", "").replace(" city", "")
         for code, name, _ in AREAS}


def add_reference(builder: DatasetBuilder) -> None:
    """Catalogue, destinations and areas; records plan and add-on ids on the builder."""
    for code, name, region in AREAS:
        builder.add(models.NetworkArea, code=code, name=name, region=region)
    for code, name, ptype, price, data, minutes, texts, months, roaming, on_sale in PLANS:
        builder.plan_ids[code] = builder.add(
            models.Plan, code=code, name=name, payment_type=ptype, monthly_price=price,
            data_gb=data, minutes=minutes, texts=texts, contract_months=months,
            roaming_included=roaming, available=on_sale)
    for code, name, kind, price, days, zone, data in ADD_ONS:
        builder.add_on_ids[code] = builder.add(
            models.AddOn, code=code, name=name, kind=kind, price=price, validity_days=days,
            zone=zone, data_gb=data)
    for country_code, country_name, zone in DESTINATIONS:
        builder.add(models.RoamingDestination, country_code=country_code,
                    country_name=country_name, zone=zone)
    builder.flush()


PLAN_BY_CODE = {row[0]: row for row in PLANS}
