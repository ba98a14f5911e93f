"""Registry events other apps react to (a death, a member leaving a household).

Sent after the transaction that caused them commits, so a receiver never sees a change that
was rolled back. Receivers belong to the app that cares (assistance raises a review task);
core does not know them.
"""

from django.dispatch import Signal

# kwargs: person, death_date, acting_user
person_died = Signal()
# kwargs: person, household, to_household (None when removed), acting_user
household_member_left = Signal()
# kwargs: person, household, acting_user
household_member_joined = Signal()
# kwargs: counts. Sent after the divisions are loaded (load_divisions, make demo, a fresh
# install): apps seed the default policy parameters of the regions that now exist. Receivers
# must be idempotent — the divisions are loaded again on every ``make demo``.
regions_loaded = Signal()
