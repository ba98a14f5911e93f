from .documents import EvaluationNote, Indicator, KeyProject, KeyProjectProgress, Plan, PlanVersion, Task
from .indicators import Formula, ManualValue, Snapshot  # computing (h4b)

__all__ = ["EvaluationNote", "Indicator", "KeyProject", "KeyProjectProgress", "Plan", "PlanVersion", "Task"]
__all__ += ["Formula", "ManualValue", "Snapshot"]
