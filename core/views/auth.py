from __future__ import annotations

from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.audit import audit_in_own_transaction
from core.auth import AccountLocked, check_credentials
from core.forms import LoginForm


def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("core:home")
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        try:
            user = check_credentials(username, form.cleaned_data["password"])
        except AccountLocked as locked:
            local = timezone.localtime(locked.until)
            form.add_error(None, f"连续登录失败次数过多，账号已锁定至 {local:%H:%M}，请稍后再试")
            audit_in_own_transaction(action="auth.locked", actor=None, object_type="core.user", object_repr=username)
        else:
            if user is None:
                form.add_error(None, "用户名或密码错误")
                audit_in_own_transaction(
                    action="auth.login_failed", actor=None, object_type="core.user", object_repr=username
                )
            else:
                login(request, user, backend="core.auth.LockoutModelBackend")
                audit_in_own_transaction(action="auth.login", actor=user, obj=user)
                target = request.GET.get("next", "")
                if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
                    target = ""
                return redirect(target or "core:home")
    return render(request, "core/login.html", {"form": form})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("core:login")
