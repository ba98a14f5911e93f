from eldercare.models.facilities import *  # noqa: F403
from eldercare.models.supervision import *  # noqa: F403
from eldercare.models.workforce import *  # noqa: F403
