"""Canned responses: the customer's details filled in, gaps shown, typos refused at start-up."""

import pytest
from pydantic import ValidationError

from careline.desk.canned import CannedResponse, fill, load_responses, profile_values
from careline.handoff.schemas import CaseSnapshot
from tests.careline.handoff.builders import package


def test_the_packaged_responses_load_and_use_only_known_variables():
    titles = [r.title for r in load_responses()]
    assert "Greeting" in titles and "Case update" in titles


def test_variables_come_from_the_profile_in_the_handoff():
    built = package()
    customer = built.customer.copy(update={
        "full_name": "Priya Shah", "amount_due": "45.00", "overdue_amount": "12.50",
        "open_cases": (CaseSnapshot(reference="CASE-77", kind="billing", status="open",
                                    summary="roaming dispute"),)})
    values = profile_values(built.copy(update={"customer": customer}))
    filled = fill(CannedResponse(title="t", text="Hi {first_name}: {balance} due, {overdue} "
                                                 "overdue, case {case_reference}."), values)
    assert filled.text == "Hi Priya: 45.00 GBP due, 12.50 GBP overdue, case CASE-77."
    assert filled.complete


def test_a_missing_detail_stays_visible_for_the_agent():
    filled = fill(CannedResponse(title="t", text="Your case {case_reference}."),
                  profile_values(package(segment=None)))
    assert filled.text == "Your case [case reference?]." and not filled.complete


def test_an_unknown_variable_fails_when_the_file_is_read(tmp_path):
    path = tmp_path / "canned.yml"
    path.write_text("responses:\n  - title: t\n    text: 'Hi {firstname}'\n")
    with pytest.raises(ValidationError, match="firstname"):
        load_responses(path)
