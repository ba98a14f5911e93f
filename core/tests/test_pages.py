"""Every page renders for the people who use it, in Chinese, with nothing loaded from outside."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from conftest import OWN_VILLAGE, client_for


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "core:home",
        "core:person_list",
        "core:person_create",
        "core:household_list",
        "core:person_import",
        "core:region_root",
        "core:job_list",
        "core:audit_list",
        "core:policy_list",
        "core:calendar",
        "core:user_list",
    ],
)
def test_district_admin_sees_every_page(name: str, admin_user: Any, make_person: Any) -> None:
    make_person("王芳", region=OWN_VILLAGE)
    response = client_for(admin_user).get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="zh-CN"' in html
    # Nothing is loaded from outside (a policy parameter's source may be shown as text, a URL).
    assert not re.search(r"""(src|href|action)=["']?(https?:)?//|url\(["']?(https?:)?//""", html)


@pytest.mark.django_db
def test_menu_shows_only_what_the_user_may_use(users: dict[str, Any]) -> None:
    html = client_for(users["own"]).get(reverse("core:home")).content.decode()
    assert "人员" in html and "家庭户" in html
    assert "审计日志" not in html and "用户与授权" not in html and "政策参数" not in html


def test_login_page_for_anonymous(client: Any) -> None:
    response = client.get(reverse("core:person_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))
