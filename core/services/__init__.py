"""Every state change of the spine. Views, the API, imports and jobs all call these."""

from .access import role_grant_create, role_grant_revoke, user_create, user_set_password
from .calendar import calendar_day_delete, calendar_day_set
from .households import (
    household_add_member,
    household_create,
    household_move_member,
    household_remove_member,
    household_set_head,
)
from .jobs import (
    ImportConfirmRefused,
    import_confirm,
    job_create,
    job_fail,
    job_finish,
    job_progress,
    job_start,
    stored_file_create,
)
from .people import (
    PersonData,
    clean_person_input,
    person_bulk_create,
    person_create,
    person_mark_dead,
    person_update,
)
from .policy import policy_parameter_set

__all__ = [
    "ImportConfirmRefused",
    "PersonData",
    "calendar_day_delete",
    "calendar_day_set",
    "clean_person_input",
    "household_add_member",
    "household_create",
    "household_move_member",
    "household_remove_member",
    "household_set_head",
    "import_confirm",
    "job_create",
    "job_fail",
    "job_finish",
    "job_progress",
    "job_start",
    "person_bulk_create",
    "person_create",
    "person_mark_dead",
    "person_update",
    "policy_parameter_set",
    "role_grant_create",
    "role_grant_revoke",
    "stored_file_create",
    "user_create",
    "user_set_password",
]
