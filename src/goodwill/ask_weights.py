"""Every weight of `ask` and `path`, named in one place (docs/asking.md explains each).

Strengths are in [0, 1]: the chance-like confidence that a link carries an introduction.
A path's score is the product of its links' strengths.
"""

from __future__ import annotations

# -- links between people (knows-edges, explicit and derived) -------------------------
# An explicit edge carries its own confidence (default 1.0 for `goodwill knows`).
# Derived evidence, per kind:
MEETING_STRENGTH = 0.3  # each interaction both attended; repeated ones add up (noisy-or)
MEETING_MAX_PEOPLE = 12  # a bigger meeting (an all-hands, a conference) proves nothing
REFERRAL_STRENGTH = 0.5  # you referred one to the other
INTRODUCTION_STRENGTH = 0.7  # you introduced them and the introduction was made
MET_THROUGH_STRENGTH = 0.7  # you met one of them through the other
# Colleagues: the two held roles at the same organisation. Strength = role factor of
# each side multiplied, times the chance to know a given colleague at that size.
COLLEAGUE_CURRENT = 0.7  # a current role
COLLEAGUE_PAST = 0.5  # a past role (current+current 0.49, current+past 0.35, past+past 0.25)
COLLEAGUE_CIRCLE = 100  # colleagues one person can know; bigger organisations dilute

# -- your own ties (the first hop) -----------------------------------------------------
MIN_TIE = 0.02  # below this tie strength (a chance of contact) a contact is not a way in

# -- ask: relevance of a person to a need (combined by noisy-or) ------------------------
AT_TARGET_NOW = 1.0  # works at a target organisation
AT_TARGET_PAST = 0.6  # worked there
BRIDGE = 0.7  # times the noisy-or of their links to people at the target
ROLE_MATCH = 0.5  # holds the role you want (knows it from the inside)
PLACE_MATCH = 0.2  # lives or works where you want to be
TAG_MATCH = 0.3  # carries a tag of the need
KEYWORD_MATCH = 0.35  # times the share of the need's keywords their profile mentions
INDUSTRY_MATCH = 0.15  # works in the industry of a target organisation

# -- ask: reach and tie preference ------------------------------------------------------
# Job and information needs prefer moderately weak ties (Rajkumar et al., Science 2022):
# preference(s) = (s / TIE_PEAK) * exp(1 - s / TIE_PEAK), at most 1 at s = TIE_PEAK,
# never below TIE_FLOOR for a tie you have. Other needs (help, favours) use s itself.
# Tie strength is the chance of contact in the next 90 days (strength_model): 0.3 is a
# tie you are in touch with a few times a year, or that had one message a month ago;
# silent ties settle at 0.12 to 0.2 and weekly correspondents above 0.8.
TIE_PEAK = 0.3
TIE_FLOOR = 0.25
INDIRECT = 0.6  # someone reached through an introduction: times the path's score
ASK_MAX_HOPS = 3  # how far `ask` looks for people you can be introduced to

# -- ask: willingness from the ledger ---------------------------------------------------
# willingness = give x rest, in (0, 1]:
# give = (1 + GIVE_BONUS * tanh(balance / BALANCE_SCALE)) / (1 + GIVE_BONUS)
# rest = 1 - FATIGUE * exp(-days since you last asked them / FATIGUE_DAYS)
GIVE_BONUS = 0.3  # someone you owe much weighs (1 - 0.3) / (1 + 0.3) = 54% of one you gave
BALANCE_SCALE = 3.0  # the balance (given - received) at which the bonus is ~76% reached
FATIGUE = 0.8  # asking someone today leaves 20% of their willingness...
FATIGUE_DAYS = 30.0  # ...recovering with this time constant (7 days: 37%, 90 days: 96%)
RECENT_ASKS_DAYS = 90  # asks counted in the reason sentence

# -- path -------------------------------------------------------------------------------
MAX_HOPS_LIMIT = 4  # beyond four links an introduction chain is not warm
DEFAULT_MAX_HOPS = 3
PATHS_SHOWN = 5
