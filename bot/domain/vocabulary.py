"""The closed vocabularies the product contract fixes, written down once.

Every module that checks, stores, counts or shows one of these values imports it from
here; nothing else keeps a copy (see docs/contract.md §6 and §7, issue 15).

Life domains are not here: they are data (`data/life_domains.yml`), read through
`bot.domain.life_domains.life_domain_values()`.
"""

from __future__ import annotations

# --- channels (intake `channel`, analytics) -------------------------------------------

WEB = "web"
WHATSAPP = "whatsapp"
REST = "rest"
CHANNELS: tuple[str, ...] = (WEB, WHATSAPP, REST)
# Rasa input channel names -> the channel names of the intake record and the statistics.
INPUT_CHANNEL_NAMES: dict[str, str] = {
    "rest": REST, "whatsapp": WHATSAPP, "web": WEB, "cmdline": REST,
}

# --- the intake record ----------------------------------------------------------------

CONTACT_PREFERENCES: tuple[str, ...] = ("telefoon", "email", "whatsapp")
# Contact preferences that need a phone number (the others need an e-mail address).
PHONE_PREFERENCES: frozenset[str] = frozenset({"telefoon", "whatsapp"})
# The three answers to a yes/no question (bot/domain/dialogue/yes_no.py); the wijkteam_contact
# slot of the intake holds one of them.
JA, NEE, ONBEKEND = "ja", "nee", "onbekend"
YES_NO_ANSWERS: tuple[str, ...] = (JA, NEE, ONBEKEND)
WIJKTEAM_CONTACT: tuple[str, ...] = YES_NO_ANSWERS

NIEUW = "nieuw"
IN_BEHANDELING = "in_behandeling"
AFGEROND = "afgerond"
# Stored values; staff pages show them with the underscore as a space.
INTAKE_STATUSES: tuple[str, ...] = (NIEUW, IN_BEHANDELING, AFGEROND)

# --- routing ----------------------------------------------------------------------------

# Kinds a rule in data/routing.yml can give.
ROUTING_RULE_KINDS: tuple[str, ...] = ("oco", "organisatie", "wijkteam")
GEEN_GEMEENTE = "geen_gemeente"  # no municipality known: the route could not be given
NIET_BEDIEND = "niet_bediend"  # the municipality is not (yet) served by this assistant
# Every value the `route_kind` slot can hold.
ROUTE_KINDS: tuple[str, ...] = (*ROUTING_RULE_KINDS, GEEN_GEMEENTE, NIET_BEDIEND)

# --- staff --------------------------------------------------------------------------------

# Sender ids of conversations started on the staff test page; they are left out of the
# statistics, and the staff test page opens no other conversation.
STAFF_TEST_SENDER_PREFIX = "stafftest-"


def status_label(status: str) -> str:
    """How staff pages write a status: 'in_behandeling' -> 'in behandeling'."""
    return status.replace("_", " ")
