"""ProfileService: the one door actions, channels and the desk use to reach the profile.

Every method is synchronous, keyword-only, opens its own session and returns
frozen schemas. Async callers wrap a call in
``await careline.db.session.run_blocking(functools.partial(service.method, ...))``.
Read methods run in a session that is always rolled back, on PostgreSQL on
read-only autocommit connections (``get_read_engine``), so a read path can
never write. An unknown identity gives ``None``; an unknown customer id raises
:class:`CustomerNotFound`; a malformed number raises :class:`InvalidIdentity`
with a reason.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Callable, ContextManager, Iterator, Optional, TypeVar, Union

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from careline import clock
from careline.db.session import committing, get_engine, get_read_engine, session_factory
from careline.profile import balance, commands, contacts, countries, idempotency, places, policy
from careline.profile import pricing
from careline.profile.identity import candidate_identities, parse_channel
from careline.profile.schemas import (
    AreaStatus, ArrangementEligibility, ArrangementInfo, ArrangementKind, BalanceInfo,
    BillExplanation, CaseRef, Channel, CustomerInfo, CustomerNotFound, CustomerRef,
    IdentityKind, InteractionInfo, InteractionOutcome, InteractionRef, InvalidRequest,
    InvoiceInfo, LineInfo, OptOutResult, OutageInfo, OutageSubscription,
    PaymentType, PlanChangeResult, PlanInfo, PlanRecommendation, RoamingOverview, RoamingPassResult,
    RoamingQuote,
    ServiceKind, UnifiedProfile,
)
from careline.profile.silos.protocols import AccountState, CustomerBillSilo, Destination
from careline.profile.silos.view import Silos, silos_over
from careline.settings import Settings, get_settings

ChannelLike = Union[Channel, str]
T = TypeVar("T")
#: Bills read to work out a balance and explain the latest one.
BILLS_FOR_BALANCE = 12
#: Closed usage cycles a recommendation averages over.
USAGE_HISTORY_CYCLES = 6


class ProfileService:
    """Unified customer profile across CRM, billing, catalogue, usage, network, engagement.

    ``bills`` plugs an operator's bill API (e.g. :class:`HttpCustomerBills`);
    by default bills come from ``CARELINE_BILLING_API_URL`` when set, else from
    our tables. ``clock`` lets tests fix "now"; ``sessions`` lets them run every
    call inside one rolled-back transaction.
    """

    def __init__(self, engine: Optional[Engine] = None, *,
                 bills: Optional[CustomerBillSilo] = None, settings: Optional[Settings] = None,
                 clock: Callable[[], datetime] = clock.now,
                 sessions: Optional[sessionmaker] = None) -> None:
        self._settings = settings or get_settings()
        engine = engine or get_engine(self._settings.resolved_database_url)
        self._sessions = sessions or session_factory(engine)
        self._read_sessions = sessions or session_factory(
            get_read_engine(engine.url.render_as_string(hide_password=False)))
        self._clock = clock
        if bills is None and self._settings.billing_api_url:
            from careline.profile.silos.http_bills import HttpCustomerBills

            bills = HttpCustomerBills(self._settings.billing_api_url,
                                      timeout=self._settings.billing_api_timeout_seconds,
                                      today=self._today)
        self._bills = bills

    # --- plumbing ----------------------------------------------------------------------------
    @contextmanager
    def _read(self) -> Iterator[Silos]:
        """A session of the read engine (PostgreSQL: autocommit and read-only, so the server
        refuses a write) that is always rolled back: a read path cannot write."""
        session: Session = self._read_sessions()
        try:
            yield self._silos(session)
        finally:
            session.rollback()
            session.close()

    def _write(self) -> ContextManager[Session]:
        """A session committed on success, rolled back on any error."""
        return committing(self._sessions)

    def _once(self, key: Optional[str], kind: str, customer_id: Optional[int],
              result_type: type[T],
              write: Callable[[Session], T]) -> T:
        """One committed write; with a key, made once and its result returned ever after
        (:mod:`careline.profile.idempotency`)."""
        with self._write() as session:
            return idempotency.once(session=session, key=key, kind=kind,
                                    customer_id=customer_id, result_type=result_type,
                                    write=lambda: write(session), at=self._clock())

    def _silos(self, session: Session) -> Silos:
        return silos_over(session, today=self._today(), bills=self._bills)

    def _today(self) -> date:
        """Today on the operator's calendar: a bill due "today" in London is not yet overdue
        at 23:30 UTC in summer, when London is already a day ahead of UTC."""
        return clock.local_date(self._clock())

    def _policy(self) -> policy.ArrangementPolicy:
        s = self._settings
        return policy.ArrangementPolicy(s.arrangement_max_instalments,
                                        s.arrangement_max_deferral_days,
                                        s.arrangement_min_instalment)

    @staticmethod
    def _customer(silos: Silos, customer_id: int) -> CustomerInfo:
        customer = silos.crm.customer(customer_id=customer_id)
        if customer is None:
            raise CustomerNotFound(customer_id)
        return customer

    # --- identity ------------------------------------------------------------------------------
    def find_customer(self, *, channel: ChannelLike, address: str) -> Optional[CustomerRef]:
        """The customer behind a channel address (sms/whatsapp number, web account id, email)."""
        candidates = candidate_identities(channel, address, region=self._settings.default_region)
        with self._read() as silos:
            for kind, value in candidates:
                found = (silos.crm.find_by_account(account_number=value)
                         if kind is IdentityKind.ACCOUNT_NUMBER
                         else silos.crm.find_by_identity(kind=kind, value=value))
                if found is not None:
                    return found
        return None

    def find_customer_by_account(self, *, account_number: str) -> Optional[CustomerRef]:
        if not account_number or not account_number.strip():
            return None
        with self._read() as silos:
            return silos.crm.find_by_account(account_number=account_number)

    def verify_pin(self, *, customer_id: int, pin: str) -> bool:
        """Constant-time check of the customer's PIN; False for unknown customers."""
        with self._read() as silos:
            return silos.crm.verify_pin(customer_id=customer_id, pin=pin)

    # --- reads ---------------------------------------------------------------------------------
    def get_customer(self, *, customer_id: int) -> CustomerInfo:
        """The CRM record alone (account, identities, whether a PIN is set): one query, where
        the unified profile reads every silo."""
        with self._read() as silos:
            return self._customer(silos, customer_id)

    def get_profile(self, *, customer_id: int, interactions: int = 5) -> UnifiedProfile:
        """One SQL statement for every silo (bills from the bill API when one is plugged)."""
        with self._read() as silos:
            parts = silos.profile.parts(customer_id=customer_id, bills=BILLS_FOR_BALANCE,
                                        history=USAGE_HISTORY_CYCLES,
                                        interactions=interactions,
                                        with_bills=self._bills is None)
            if parts is None:
                raise CustomerNotFound(customer_id)
            bills = parts.bills if self._bills is None else self._bills.bills(
                account_number=parts.customer.account_number, limit=BILLS_FOR_BALANCE)
        return UnifiedProfile(
            customer=parts.customer, lines=parts.lines,
            balance=self._balance(parts.account, parts.customer, bills),
            latest_invoice=bills[0] if bills else None, outages=parts.outages,
            recent_interactions=parts.interactions, open_cases=parts.open_cases)

    def balance(self, *, customer_id: int) -> BalanceInfo:
        with self._read() as silos:
            customer = self._customer(silos, customer_id)
            bills = silos.bills.bills(account_number=customer.account_number,
                                      limit=BILLS_FOR_BALANCE)
            return self._balance(silos.accounts.account(customer_id=customer_id), customer,
                                 bills)

    def _balance(self, account: Optional[AccountState], customer: CustomerInfo,
                 bills: tuple[InvoiceInfo, ...]) -> BalanceInfo:
        return balance.balance_of(customer=customer, account=account, bills=bills,
                                  today=self._today())

    def explain_bill(self, *, customer_id: int) -> Optional[BillExplanation]:
        """The latest bill against the previous one by category; None when there is no bill."""
        with self._read() as silos:
            customer = self._customer(silos, customer_id)
            bills = silos.bills.bills(account_number=customer.account_number, limit=2)
            return policy.explain_bill(customer_id=customer_id, bills=bills)

    def outages_for_customer(self, *, customer_id: int,
                             include_resolved: bool = False) -> tuple[OutageInfo, ...]:
        """Incidents in the customer's service area, newest first, with status and ETA."""
        with self._read() as silos:
            customer = self._customer(silos, customer_id)
            return silos.network.outages(area_code=customer.address.area_code,
                                         include_resolved=include_resolved)

    def area_status(self, *, place: str) -> Optional[AreaStatus]:
        """Known problems in the served area ``place`` names ("LS6", "LS6 1LF", "Leeds"), or
        None when it names none. Public: no customer is involved, so no sign-in is needed."""
        with self._read() as silos:
            area = places.find_area(place, silos.network.areas())
            if area is None:
                return None
            return AreaStatus(area, silos.network.outages(area_code=area.code,
                                                          include_resolved=False))

    def list_plans(self, *, payment_type: Optional[PaymentType] = None) -> tuple[PlanInfo, ...]:
        with self._read() as silos:
            return silos.catalogue.plans(
                payment_type=PaymentType(payment_type) if payment_type else None)

    def recommend_plan(self, *, customer_id: int,
                       price_tolerance: Optional[Decimal] = None) -> PlanRecommendation:
        """A plan that fits actual usage, never the current one, within the price tolerance."""
        tolerance = (self._settings.plan_price_tolerance if price_tolerance is None
                     else Decimal(price_tolerance))
        if tolerance < 0:
            raise InvalidRequest("the price tolerance cannot be negative")
        with self._read() as silos:
            self._customer(silos, customer_id)
            line = self._primary_line(silos, customer_id)
            usage = line.usage
            return policy.recommend_plan(
                customer_id=customer_id, current=line.plan,
                history=usage.history if usage else (),
                plans=silos.catalogue.plans(payment_type=line.plan.payment_type),
                price_tolerance=tolerance)

    def _primary_line(self, silos: Silos, customer_id: int) -> LineInfo:
        lines = silos.usage.lines(customer_id=customer_id, today=self._today(),
                                  history=USAGE_HISTORY_CYCLES)
        if not lines:
            raise InvalidRequest("the customer has no mobile line")
        return lines[0]

    def roaming_quote(self, *, customer_id: int, country: str, days: int) -> RoamingQuote:
        """Daily passes against a monthly pass for ``days`` days in ``country`` (any common
        name or ISO code), priced as the customer pays: with the VAT their bill adds."""
        with self._read() as silos:
            self._customer(silos, customer_id)
            return self._quote(silos, customer_id, country, days)

    def roaming_overview(self, *, country: str) -> RoamingOverview:
        """Roaming in ``country`` on our plans, for someone not signed in: the plans on sale
        that include it and the zone's passes."""
        with self._read() as silos:
            destination = _destination(silos, country)
            passes = silos.catalogue.roaming_passes(zone=destination.zone)
            return policy.roaming_overview(destination=destination, passes=passes,
                                           plans=silos.catalogue.plans())

    def _quote(self, silos: Silos, customer_id: int, country: str, days: int) -> RoamingQuote:
        if not isinstance(days, int) or not 1 <= days <= policy.MAX_ROAMING_DAYS:
            raise InvalidRequest(f"a trip is 1 to {policy.MAX_ROAMING_DAYS} days")
        destination = _destination(silos, country)
        line = self._primary_line(silos, customer_id)
        paying = line.plan.payment_type
        included = policy.roaming_included(line.plan, destination.zone)
        passes = tuple(replace(p, price=pricing.customer_price(
            p.price, payment_type=paying, vat_rate=self._settings.vat_rate))
            for p in silos.catalogue.roaming_passes(zone=destination.zone))
        daily, monthly = (None, None) if included else policy.roaming_options(
            passes=passes, days=days)
        return RoamingQuote(customer_id=customer_id, country_code=destination.country_code,
                            country_name=destination.country_name, zone=destination.zone,
                            days=days, included_in_plan=included, daily=daily, monthly=monthly,
                            vat_included=pricing.vat_included(paying))

    def arrangement_eligibility(self, *, customer_id: int) -> ArrangementEligibility:
        with self._read() as silos:
            return self._eligibility(silos, customer_id)

    def _eligibility(self, silos: Silos, customer_id: int) -> ArrangementEligibility:
        customer = self._customer(silos, customer_id)
        bills = silos.bills.bills(account_number=customer.account_number,
                                  limit=BILLS_FOR_BALANCE)
        account = silos.accounts.account(customer_id=customer_id)
        balance = self._balance(account, customer, bills)
        return policy.arrangement_eligibility(
            customer_id=customer_id, payment_type=balance.payment_type,
            amount_due=balance.amount_due, arrangements=account.arrangements if account else (),
            today=self._today(), policy=self._policy())

    def recent_interactions(self, *, customer_id: int, limit: int = 5,
                            channel: Optional[ChannelLike] = None
                            ) -> tuple[InteractionInfo, ...]:
        """Newest first, on every channel unless ``channel`` narrows it."""
        if limit < 1:
            raise InvalidRequest("limit must be at least 1")
        wanted = parse_channel(channel) if channel is not None else None
        with self._read() as silos:
            self._customer(silos, customer_id)
            return silos.engagement.interactions(customer_id=customer_id, limit=limit,
                                                 channel=wanted)

    # --- writes: each in one committed session; ``idempotency_key`` makes one once -------------
    def change_plan(self, *, customer_id: int, plan_code: str,
                    idempotency_key: Optional[str] = None) -> PlanChangeResult:
        return self._once(idempotency_key, "plan_change", customer_id, PlanChangeResult,
                          lambda session: commands.change_plan(
                              session=session, customer_id=customer_id, plan_code=plan_code,
                              today=self._today()))

    def add_roaming_pass(self, *, customer_id: int, country: str, days: int,
                         starts_on: Optional[date] = None,
                         idempotency_key: Optional[str] = None) -> RoamingPassResult:
        """Buy the cheaper of daily and monthly passes covering the trip."""
        def buy(session: Session) -> RoamingPassResult:
            quote = self._quote(self._silos(session), customer_id, country, days)
            return commands.add_roaming_passes(session=session, customer_id=customer_id,
                                               quote=quote,
                                               starts_on=starts_on or self._today())
        return self._once(idempotency_key, "roaming_pass", customer_id, RoamingPassResult, buy)

    def create_payment_arrangement(self, *, customer_id: int, kind: ArrangementKind,
                                   instalments: int = 1, deferral_days: int = 0,
                                   idempotency_key: Optional[str] = None) -> ArrangementInfo:
        """Spread or defer the amount due, within the policy limits of the settings."""
        try:
            kind = ArrangementKind(kind)
        except ValueError:
            raise InvalidRequest(f"unknown arrangement kind {kind!r}") from None

        def arrange(session: Session) -> ArrangementInfo:
            eligibility = self._eligibility(self._silos(session), customer_id)
            return commands.create_arrangement(
                session=session, eligibility=eligibility, kind=kind, instalments=instalments,
                deferral_days=deferral_days, today=self._today())
        return self._once(idempotency_key, "arrangement", customer_id, ArrangementInfo, arrange)

    def open_dispute(self, *, customer_id: int, amount: Decimal, reason: str,
                     invoice_number: Optional[str] = None,
                     channel: ChannelLike = Channel.WEBCHAT,
                     idempotency_key: Optional[str] = None) -> CaseRef:
        def dispute(session: Session) -> CaseRef:
            if invoice_number is not None:
                customer = self._customer(self._silos(session), customer_id)
                bills = self._silos(session).bills.bills(
                    account_number=customer.account_number, limit=BILLS_FOR_BALANCE)
                if invoice_number not in {b.invoice_number for b in bills}:
                    raise InvalidRequest(f"invoice {invoice_number} is not one of the "
                                         "customer's recent bills")
            return commands.open_dispute(session=session, customer_id=customer_id,
                                         amount=amount, reason=reason,
                                         invoice_number=invoice_number,
                                         channel=parse_channel(channel), now=self._clock())
        return self._once(idempotency_key, "dispute", customer_id, CaseRef, dispute)

    def report_fault(self, *, customer_id: int, description: str,
                     service: Optional[ServiceKind] = None,
                     channel: ChannelLike = Channel.WEBCHAT,
                     idempotency_key: Optional[str] = None) -> CaseRef:
        return self._once(idempotency_key, "fault", customer_id, CaseRef,
                          lambda session: commands.report_fault(
                              session=session, customer_id=customer_id,
                              description=description, service=service,
                              channel=parse_channel(channel), now=self._clock()))

    def subscribe_outage_updates(self, *, customer_id: int, channel: ChannelLike,
                                 incident_reference: Optional[str] = None
                                 ) -> OutageSubscription:
        """Idempotent: subscribing twice keeps one subscription (``created`` False)."""
        with self._write() as session:
            return commands.subscribe_outage_updates(
                session=session, customer_id=customer_id, channel=parse_channel(channel),
                incident_reference=incident_reference, now=self._clock())

    def set_channel_opt_out(self, *, channel: ChannelLike, address: str,
                            opted_out: bool) -> OptOutResult:
        """Record STOP/START for every identity matching the address on that channel."""
        candidates = candidate_identities(channel, address, region=self._settings.default_region)
        with self._write() as session:
            return contacts.set_opt_out(session=session, channel=parse_channel(channel),
                                        address=candidates[0][1], candidates=candidates,
                                        opted_out=opted_out, now=self._clock())

    def record_interaction(self, *, customer_id: Optional[int], channel: ChannelLike,
                           summary: str, intent: Optional[str] = None,
                           outcome: InteractionOutcome = InteractionOutcome.RESOLVED,
                           handed_off: bool = False, satisfaction: Optional[int] = None,
                           conversation_id: Optional[str] = None,
                           occurred_at: Optional[datetime] = None,
                           case_reference: Optional[str] = None,
                           idempotency_key: Optional[str] = None) -> InteractionRef:
        return self._once(idempotency_key, "interaction", customer_id, InteractionRef,
                          lambda session: commands.record_interaction(
                              session=session, customer_id=customer_id,
                              channel=parse_channel(channel), summary=summary, intent=intent,
                              outcome=InteractionOutcome(outcome), handed_off=handed_off,
                              satisfaction=satisfaction, conversation_id=conversation_id,
                              occurred_at=occurred_at or self._clock(),
                              case_reference=case_reference))


def _destination(silos: Silos, country: str) -> Destination:
    """The destination named by any common name or ISO code; InvalidRequest if unknown."""
    code = countries.country_code(country or "")
    destination = silos.catalogue.destination(country=code or country or "")
    if destination is None:
        raise InvalidRequest(f"we have no roaming rates for {country!r}")
    return destination
