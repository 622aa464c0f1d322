"""The pure decisions: bill explanation, plan recommendation, roaming, arrangements."""

from datetime import date
from decimal import Decimal as D

import pytest

from careline.profile import policy
from careline.profile.schemas import (
    AddOnInfo, AddOnKind, ArrangementInfo, ArrangementKind, ArrangementStatus, BillCategory,
    EligibilityReason, InvoiceInfo, InvoiceLine, InvoiceStatus, PaymentType, PlanInfo,
    RecommendationReason, UsageCycle,
)

TODAY = date(2026, 3, 10)


def plan(code, price, data, ptype=PaymentType.POSTPAID, available=True, minutes=None):
    return PlanInfo(code, code, ptype, D(price), None if data is None else D(data), minutes,
                    None, 12, False, available)


CATALOGUE = (plan("S5", "12", "5"), plan("S10", "15", "10"), plan("P25", "20", "25"),
             plan("P60", "25", "60"), plan("UNL", "32", None), plan("OLD", "8", "30",
                                                                      available=False),
             plan("PAYG", "10", "40", PaymentType.PREPAID))


def usage(*data_gb, minutes=100):
    return tuple(UsageCycle(date(2026, 1, 1), date(2026, 1, 31), D(d), minutes, 0, D(0))
                 for d in data_gb)


def test_outgrowing_customer_gets_the_cheapest_bigger_plan_within_tolerance():
    result = policy.recommend_plan(customer_id=1, current=CATALOGUE[1],
                                   history=usage("14", "16", "15"), plans=CATALOGUE,
                                   price_tolerance=D("5"))
    assert result.reason is RecommendationReason.NEEDS_MORE_DATA
    assert result.recommended.code == "P25"
    assert result.monthly_difference == D("5")


def test_tolerance_caps_the_price_of_an_upgrade():
    result = policy.recommend_plan(customer_id=1, current=CATALOGUE[1],
                                   history=usage("14", "16", "15"), plans=CATALOGUE,
                                   price_tolerance=D("4.99"))
    assert result.recommended is None
    assert result.reason is RecommendationReason.ALREADY_BEST


def test_light_user_is_offered_a_cheaper_plan_that_still_fits():
    result = policy.recommend_plan(customer_id=1, current=CATALOGUE[3],
                                   history=usage("7", "8", "8.5"), plans=CATALOGUE,
                                   price_tolerance=D("0"))
    assert result.reason is RecommendationReason.SAVE_MONEY
    assert result.recommended.code == "S10"
    assert result.monthly_difference == D("-10")
    assert [p.code for p in result.alternatives] == ["P25"]


@pytest.mark.parametrize("current", CATALOGUE[:5])
def test_never_recommends_the_current_plan_or_one_off_sale_or_of_another_type(current):
    for history in (usage("1"), usage("9"), usage("24"), usage("59"), usage("200")):
        result = policy.recommend_plan(customer_id=1, current=current, history=history,
                                       plans=CATALOGUE, price_tolerance=D("100"))
        offered = [result.recommended, *result.alternatives] if result.recommended else []
        assert current.code not in [p.code for p in offered]
        assert all(p.available and p.payment_type is current.payment_type for p in offered)


def test_no_history_means_no_recommendation():
    result = policy.recommend_plan(customer_id=1, current=CATALOGUE[0], history=(),
                                   plans=CATALOGUE, price_tolerance=D("5"))
    assert result.reason is RecommendationReason.NO_USAGE_HISTORY
    assert result.recommended is None


def test_minutes_count_too():
    small = plan("MIN", "5", "50", minutes=100)
    result = policy.recommend_plan(customer_id=1, current=CATALOGUE[3],
                                   history=usage("2", minutes=400), plans=(small, *CATALOGUE),
                                   price_tolerance=D("0"))
    assert result.recommended.code != "MIN"


def invoice(number, *lines):
    items = tuple(InvoiceLine(c, c.value, D(a)) for c, a in lines)
    total = sum((i.amount for i in items), D("0"))
    return InvoiceInfo(number, TODAY, TODAY, TODAY, TODAY, total, D(0), InvoiceStatus.PAID,
                       items)


def test_bill_explanation_compares_categories_with_amounts():
    current = invoice("B2", (BillCategory.PLAN, "15"), (BillCategory.ROAMING, "97.20"),
                      (BillCategory.TAX, "22.44"))
    previous = invoice("B1", (BillCategory.PLAN, "15"), (BillCategory.OVERAGE, "5"),
                       (BillCategory.TAX, "4"))
    explanation = policy.explain_bill(customer_id=1, bills=[current, previous])
    changes = {c.category: (c.previous, c.current) for c in explanation.changes}
    assert changes == {BillCategory.PLAN: (D("15"), D("15")),
                       BillCategory.OVERAGE: (D("5"), D("0")),
                       BillCategory.ROAMING: (D("0"), D("97.20")),
                       BillCategory.TAX: (D("4"), D("22.44"))}
    assert explanation.main_driver.category is BillCategory.ROAMING
    assert explanation.total_difference == D("110.64")


def test_first_bill_has_nothing_to_compare_and_no_bill_gives_none():
    only = invoice("B1", (BillCategory.PLAN, "15"))
    explanation = policy.explain_bill(customer_id=1, bills=[only])
    assert explanation.previous is None and explanation.total_difference == D("15")
    assert policy.explain_bill(customer_id=1, bills=[]) is None


PASSES = (AddOnInfo("D", "Day", AddOnKind.ROAMING_DAILY, D("6.00"), 1, "W", None),
          AddOnInfo("M", "Month", AddOnKind.ROAMING_MONTHLY, D("45.00"), 30, "W", None))


@pytest.mark.parametrize("days, daily, monthly", [(1, "6.00", "45.00"), (7, "42.00", "45.00"),
                                                  (10, "60.00", "45.00"), (31, "186.00", "90.00")])
def test_roaming_options_price_daily_against_monthly_passes(days, daily, monthly):
    day, month = policy.roaming_options(passes=PASSES, days=days)
    assert (day.total_price, month.total_price) == (D(daily), D(monthly))
    assert day.passes == days


@pytest.mark.parametrize("days", [0, -1, 366])
def test_roaming_days_are_bounded(days):
    with pytest.raises(ValueError):
        policy.roaming_options(passes=PASSES, days=days)


POLICY = policy.ArrangementPolicy(max_instalments=4, max_deferral_days=21,
                                  min_instalment=D("10.00"))


def eligibility(amount, ptype=PaymentType.POSTPAID, arrangements=()):
    return policy.arrangement_eligibility(customer_id=1, payment_type=ptype, amount_due=D(amount),
                                          arrangements=arrangements, today=TODAY, policy=POLICY)


def test_eligible_customer_gets_options_within_policy_limits():
    result = eligibility("100.01")
    assert result.eligible and result.reason is EligibilityReason.ELIGIBLE
    instalments = [o for o in result.options if o.kind is ArrangementKind.INSTALMENTS]
    assert [o.instalments for o in instalments] == [2, 3, 4]
    deferral = [o for o in result.options if o.kind is ArrangementKind.DEFERRAL]
    assert deferral[0].first_due_on == date(2026, 3, 31)


def test_small_amounts_allow_fewer_instalments():
    assert [o.instalments for o in eligibility("25").options
            if o.kind is ArrangementKind.INSTALMENTS] == [2]
    assert eligibility("9.99").reason is EligibilityReason.AMOUNT_TOO_SMALL


@pytest.mark.parametrize("kwargs, reason", [
    ({"amount": "0"}, EligibilityReason.NOTHING_DUE),
    ({"amount": "50", "ptype": PaymentType.PREPAID}, EligibilityReason.PREPAID),
    ({"amount": "50", "arrangements": (ArrangementInfo(
        "PA-1", ArrangementKind.DEFERRAL, ArrangementStatus.ACTIVE, D("50"), (),
        date(2026, 3, 1)),)}, EligibilityReason.ARRANGEMENT_ACTIVE),
    ({"amount": "50", "arrangements": (ArrangementInfo(
        "PA-1", ArrangementKind.DEFERRAL, ArrangementStatus.BROKEN, D("50"), (),
        date(2026, 1, 1)),)}, EligibilityReason.RECENTLY_BROKEN),
])
def test_ineligible_reasons(kwargs, reason):
    result = eligibility(kwargs.pop("amount"), **kwargs)
    assert not result.eligible and result.reason is reason and result.options == ()


def test_instalments_add_up_to_the_amount_to_the_penny():
    schedule = policy.instalment_schedule(D("100.01"), 3, TODAY)
    assert [a for _, a in schedule] == [D("33.33"), D("33.33"), D("33.35")]
    assert sum(a for _, a in schedule) == D("100.01")
    assert schedule[0][0] == date(2026, 3, 17)


@pytest.mark.parametrize("kind, instalments, days, problem", [
    (ArrangementKind.INSTALMENTS, 5, 0, "between 2 and 4"),
    (ArrangementKind.INSTALMENTS, 1, 0, "between 2 and 4"),
    (ArrangementKind.DEFERRAL, 1, 22, "1 to 21 days"),
    (ArrangementKind.DEFERRAL, 1, 0, "1 to 21 days"),
])
def test_requests_outside_policy_are_refused(kind, instalments, days, problem):
    message = policy.check_arrangement_request(eligibility=eligibility("100"), kind=kind,
                                               instalments=instalments, deferral_days=days)
    assert problem in message


def test_instalment_below_minimum_is_refused():
    message = policy.check_arrangement_request(eligibility=eligibility("25"),
                                               kind=ArrangementKind.INSTALMENTS, instalments=3,
                                               deferral_days=0)
    assert "at least 10.00" in message
