"""Billing answers: balance and due date, the bill explained, how to pay."""

from __future__ import annotations

from datetime import date

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.customer import AccountAction, Customer, lookup, profiles
from actions.formatting import day, listing, money
from careline import clock
from careline.profile.schemas import (AmountDue, BalanceInfo, BillCategory, BillExplanation,
                                      PaymentType)
from careline.settings import get_settings

CATEGORY_NAMES = {
    BillCategory.PLAN: "plan", BillCategory.ADD_ON: "add-ons", BillCategory.OVERAGE: "extra usage",
    BillCategory.ROAMING: "roaming", BillCategory.ONE_OFF: "one-off charges",
    BillCategory.DISCOUNT: "discounts", BillCategory.TAX: "tax",
}


def autopay_note(balance: BalanceInfo) -> str:
    return " It's paid by direct debit, so there's nothing to do." if balance.autopay else ""


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


def payment_text(item: AmountDue, currency: str, today: date) -> str:
    """One payment in the right tense: "£24.00 was due on 15 November and is 21 days
    overdue", "£36.00 is due today", "£36.00 is due on 15 December"."""
    amount = money(item.amount, currency)
    if item.due_on < today:
        return (f"{amount} was due on {day(item.due_on, today=today)} and is "
                f"{_days((today - item.due_on).days)} overdue")
    if item.due_on == today:
        return f"{amount} is due today"
    return f"{amount} is due on {day(item.due_on, today=today)}"


def payments_text(balance: BalanceInfo, today: date) -> str:
    """What is due when: an arrangement's instalments by name, then each bill on its date."""
    parts = []
    agreed = [i for i in balance.schedule if i.arrangement_reference]
    if agreed:
        parts.append(f"under your payment arrangement {agreed[0].arrangement_reference}, "
                     + listing([payment_text(i, balance.currency, today) for i in agreed]))
    billed = [payment_text(i, balance.currency, today)
              for i in balance.schedule if not i.arrangement_reference]
    if billed:
        parts.append(("and " if agreed else "") + listing(billed))
    return "; ".join(parts)


def reassurance(balance: BalanceInfo) -> str:
    """An arrangement keeps the bills it covers from being overdue: say so when it does."""
    if balance.arrangement is not None and not balance.is_overdue:
        return " Nothing is overdue."
    return ""


def pay_now(balance: BalanceInfo, today: date) -> str:
    """The amount to pay next, never the whole balance when part of it is not due yet."""
    if balance.is_overdue:
        return f"{money(balance.overdue_amount, balance.currency)} (overdue)"
    if balance.schedule:
        first = balance.schedule[0]
        when = "today" if first.due_on == today else day(first.due_on, today=today)
        return f"{money(first.amount, balance.currency)} (due {when})"
    return money(balance.amount_due, balance.currency)


def explain_lines(explanation: BillExplanation) -> str:
    """Each category that moved, biggest first: "Roaming: £0.00 → £42.00 (+£42.00)."""
    moved = sorted((c for c in explanation.changes if c.difference != 0),
                   key=lambda c: abs(c.difference), reverse=True)
    parts = []
    for change in moved:
        sign = "+" if change.difference > 0 else "-"
        detail = "; ".join(line.description for line in change.lines)
        parts.append(f"{CATEGORY_NAMES.get(change.category, change.category.value).capitalize()}: "
                     f"{money(change.previous)} → {money(change.current)} "
                     f"({sign}{money(abs(change.difference))})"
                     + (f", {detail}" if detail else "") + ".")
    return " ".join(parts)


def say_balance(dispatcher: CollectingDispatcher, balance: BalanceInfo) -> None:
    if balance.payment_type is PaymentType.PREPAID:
        dispatcher.utter_message(response="utter_prepaid_credit",
                                 credit=money(balance.prepaid_credit or 0, balance.currency))
    elif (balance.amount_due <= 0 or not balance.schedule) and balance.last_payment:
        last = balance.last_payment
        dispatcher.utter_message(response="utter_balance_clear_last_payment",
                                 last_amount=money(last.amount, balance.currency),
                                 last_paid_on=day(last.paid_on))
    elif balance.amount_due <= 0 or not balance.schedule:
        dispatcher.utter_message(response="utter_balance_clear")
    else:
        dispatcher.utter_message(response="utter_balance_due",
                                 amount_due=money(balance.amount_due, balance.currency),
                                 payments=payments_text(balance, clock.today()),
                                 reassurance=reassurance(balance),
                                 autopay_note=autopay_note(balance))


class ActionCheckBalance(AccountAction):
    def name(self) -> str:
        return "action_check_balance"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     customer: Customer) -> list[EventType]:
        say_balance(dispatcher, await lookup(profiles().balance, customer_id=customer.customer_id))
        return []


class ActionCheckDueDate(AccountAction):
    def name(self) -> str:
        return "action_check_due_date"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     customer: Customer) -> list[EventType]:
        balance = await lookup(profiles().balance, customer_id=customer.customer_id)
        if balance.payment_type is PaymentType.PREPAID or not balance.schedule \
                or balance.amount_due <= 0:
            say_balance(dispatcher, balance)
        else:
            payments = payments_text(balance, clock.today())
            dispatcher.utter_message(response="utter_due_date",
                                     payments=payments[0].upper() + payments[1:],
                                     reassurance=reassurance(balance),
                                     autopay_note=autopay_note(balance))
        return []


class ActionExplainBill(AccountAction):
    """Line by line against last month; a higher bill is a cost problem, so offer to help."""

    def name(self) -> str:
        return "action_explain_bill"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     customer: Customer) -> list[EventType]:
        explanation = await lookup(profiles().explain_bill, customer_id=customer.customer_id)
        if explanation is None:
            dispatcher.utter_message(response="utter_no_bill_yet")
            return []
        difference = explanation.total_difference
        if explanation.previous is None or difference == 0:
            dispatcher.utter_message(response="utter_bill_unchanged",
                                     current_total=money(explanation.current.total))
            return []
        dispatcher.utter_message(response="utter_bill_explained",
                                 current_total=money(explanation.current.total),
                                 direction="more" if difference > 0 else "less",
                                 difference=money(abs(difference)),
                                 previous_total=money(explanation.previous.total),
                                 lines=explain_lines(explanation))
        if difference > 0:
            dispatcher.utter_message(response="utter_offer_recommendation")
            return [SlotSet("offer", "recommend_plan")]
        return []


class ActionPaymentOptions(AccountAction):
    def name(self) -> str:
        return "action_payment_options"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     customer: Customer) -> list[EventType]:
        balance = await lookup(profiles().balance, customer_id=customer.customer_id)
        if balance.payment_type is PaymentType.PREPAID:  # nothing billed: a top-up
            dispatcher.utter_message(
                response="utter_top_up_options", account_number=balance.account_number,
                top_up_url=f"{get_settings().top_up_url}?account={balance.account_number}",
                credit=money(balance.prepaid_credit or 0, balance.currency))
            return []
        dispatcher.utter_message(response="utter_payment_options",
                                 amount_due=pay_now(balance, clock.today()),
                                 pay_url=f"{get_settings().pay_url}?account={balance.account_number}",
                                 account_number=balance.account_number,
                                 autopay_note=autopay_note(balance))
        return []
