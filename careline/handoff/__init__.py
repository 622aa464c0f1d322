"""Human handoff: triggers, the versioned context package, priority and the outbox.

Actions decide *that* a conversation goes to a person; this package decides
*what the person receives* (:mod:`careline.handoff.package`) and makes sure it
arrives (:mod:`careline.handoff.outbox`, :mod:`careline.handoff.worker`).
"""
