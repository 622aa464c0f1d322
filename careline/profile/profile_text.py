"""A unified profile as plain text for operators (``careline profile``)."""

from __future__ import annotations

from careline.profile.schemas import UnifiedProfile


def render_profile(profile: UnifiedProfile) -> str:
    c = profile.customer
    out = [f"{c.full_name} — {c.segment.value.upper()} — account {c.account_number} "
           f"(customer since {c.customer_since:%b %Y})",
           f"Address: {c.address.line1}, {c.address.town} {c.address.postcode} "
           f"(area {c.address.area_code}: {c.address.area_name})",
           "Identities: " + ", ".join(
               f"{i.kind.value} {i.value}" + (" (opted out)" if i.opted_out else "")
               for i in c.identities),
           f"PIN set: {'yes' if c.has_pin else 'no'}; preferred channel: "
           f"{c.preferences.preferred_channel.value if c.preferences.preferred_channel else '-'}"]
    for line in profile.lines:
        plan = line.plan
        out.append(f"Line {line.msisdn}: {plan.name} (£{plan.monthly_price}/month"
                   + (f", contract to {line.contract_ends_on}" if line.contract_ends_on else "")
                   + ")")
        if line.usage:
            allowance = (f"{line.usage.data_allowance_gb} GB" if line.usage.data_allowance_gb
                         else "unlimited")
            out.append(f"  usage this cycle: {line.usage.current.data_gb} GB of {allowance}, "
                       f"{line.usage.current.minutes} min, {line.usage.current.texts} texts")
        for add_on in line.add_ons:
            out.append(f"  add-on: {add_on.add_on.name} {add_on.starts_on}–{add_on.ends_on}")
    b = profile.balance
    if b.prepaid_credit is not None:
        out.append(f"Prepaid credit: £{b.prepaid_credit}")
    out.append(f"Balance due: £{b.amount_due} (overdue £{b.overdue_amount}"
               + (f", {b.days_overdue} days" if b.days_overdue else "")
               + f"); autopay {'on' if b.autopay else 'off'}")
    if b.arrangement:
        out.append(f"Payment arrangement {b.arrangement.reference}: {b.arrangement.kind.value}")
    if profile.latest_invoice:
        i = profile.latest_invoice
        out.append(f"Latest bill {i.invoice_number}: £{i.total}, due {i.due_on}, "
                   f"{i.status.value}")
    for o in profile.outages:
        eta = f", ETA {o.eta:%Y-%m-%d %H:%M} UTC" if o.eta else ""
        out.append(f"Outage {o.reference}: {o.title} [{o.status.value}, {o.severity.value}{eta}]")
    for case in profile.open_cases:
        out.append(f"Open case {case.reference} ({case.kind.value}): {case.summary}")
    for x in profile.recent_interactions:
        out.append(f"{x.occurred_at:%Y-%m-%d %H:%M} {x.channel.value}: {x.summary} "
                   f"[{x.outcome.value}]")
    return "\n".join(out)
