from .documents import Indicator, KeyProject, KeyProjectProgress, Plan, PlanVersion, Task

__all__ = ["Indicator", "KeyProject", "KeyProjectProgress", "Plan", "PlanVersion", "Task"]
