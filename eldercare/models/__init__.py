from eldercare.models.admissions import *  # noqa: F403
from eldercare.models.allowances import *  # noqa: F403
from eldercare.models.assessments import *  # noqa: F403
from eldercare.models.facilities import *  # noqa: F403
from eldercare.models.homecare import *  # noqa: F403
from eldercare.models.supervision import *  # noqa: F403
from eldercare.models.workforce import *  # noqa: F403
