"""Settings for the test suite: fixed throw-away keys, tasks run in-process, fast hashing."""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production")
# 32 random bytes, urlsafe-base64: a key used only by tests.
os.environ.setdefault("MINZHENG_FIELD_KEY", "dGVzdC1rZXktMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY=")
os.environ.setdefault("MINZHENG_VAR_DIR", tempfile.mkdtemp(prefix="minzheng-test-"))
os.environ.setdefault("TASKS_BACKEND", "immediate")

from .settings import *  # noqa: F403
from .settings import TASKS

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS["default"] = {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}
