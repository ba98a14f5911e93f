from .documents import Indicator, KeyProject, KeyProjectProgress, Plan, PlanVersion, Task
from .indicators import Formula, ManualValue, Snapshot  # computing (h4b)

__all__ = ["Indicator", "KeyProject", "KeyProjectProgress", "Plan", "PlanVersion", "Task"]
__all__ += ["Formula", "ManualValue", "Snapshot"]
