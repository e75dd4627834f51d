"""Signing in in two steps, setting up two-factor sign-in, recovery codes and the user's own account page.

The password step is kentmasa.cases.views.auth's log-in (with its guessing limits), whose view is
:class:`PasswordStepView`: a right password of a user with an authenticator leads to the code step instead
of a session. The code step has limits of its own: per client address like the password step, and per
account a lock after KENTMASA_2FA_FAILURES wrong codes (the account's owner and administrators are told).
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticDevice
from django_ratelimit.core import is_ratelimited

from kentmasa.accounts import services
from kentmasa.accounts.forms import CodeForm, EnrolForm
from kentmasa.accounts.models import SignInEvent
from kentmasa.cases.queries import filter_query, page_from
from kentmasa.directory.models import User
from kentmasa.lib.lockout import rate_seconds

SHOWN_CODES = "kentmasa_2fa_codes"  # the recovery codes just made, shown once


def _too_many(request: HttpRequest, wait_seconds: int) -> HttpResponse:
    response = render(
        request,
        "registration/rate_limited.html",
        {"wait_minutes": max(1, wait_seconds // 60)},
        status=429,
    )
    response["Retry-After"] = str(wait_seconds)
    return response


class PasswordStepView(auth_views.LoginView):
    """Django's log-in, except that a user with an authenticator is not signed in yet: the code step is."""

    redirect_authenticated_user = True
    next_page = "cases:home"

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if services.has_two_factor(user):
            services.start_code_step(self.request, user, user.backend, self.get_success_url())
            return redirect("accounts:code")
        response = super().form_valid(form)
        services.record(SignInEvent.Kind.SUCCESS, self.request, user=user)
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        services.failed_password(self.request, str(self.request.POST.get("username", "")))
        return super().form_invalid(form)


def admin_login(request: HttpRequest) -> HttpResponseBase:
    """/admin/login/: the same two steps, never the admin's own one-step form. A GET is sent to /giris/
    (keeping where to go next); a POST is the password step itself, so its limits hold here too."""
    next_url = request.GET.get("next") or reverse("admin:index")
    if request.method != "POST":
        return redirect(f"{reverse('cases:login')}?{urlencode({'next': next_url})}")
    view = PasswordStepView.as_view(next_page="admin:index", redirect_authenticated_user=False)
    return view(request)


def code_step(request: HttpRequest) -> HttpResponseBase:
    """The second step: the authenticator's code (or a recovery code) of the user whose password was right."""
    found = services.pending_user(request)
    if found is None:
        messages.warning(request, _("Sign in with your password first (or again: five minutes have passed)."))
        return redirect("cases:login")
    user, pending = found
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if is_ratelimited(
            request,
            group="login-code:ip",
            key="ip",
            rate=lambda group, request: settings.KENTMASA_LOGIN_RATE_PER_IP,
            method="POST",
            increment=True,
        ):
            services.code_refused(request, user)
            return _too_many(request, rate_seconds(settings.KENTMASA_LOGIN_RATE_PER_IP))
        if services.is_locked(user):
            services.code_refused(request, user)
            return _too_many(request, settings.KENTMASA_2FA_LOCK_SECONDS)
        if form.is_valid():
            device = services.check_code(user, form.cleaned_data["code"])
            if device is None:
                if services.code_failed(request, user):
                    return _too_many(request, settings.KENTMASA_2FA_LOCK_SECONDS)
                form.add_error(
                    "code", _("The code is not right. Check the time on your phone and try again.")
                )
            else:
                return _signed_in(request, user, pending, device)
    return render(request, "accounts/code_step.html", {"form": form, "pending_user": user})


def _signed_in(request: HttpRequest, user: User, pending: dict[str, Any], device: Any) -> HttpResponse:
    request.session.pop(services.PENDING, None)
    auth_login(request, user, backend=str(pending.get("backend") or settings.AUTHENTICATION_BACKENDS[0]))
    services.mark_verified(request, user, device)
    services.record(SignInEvent.Kind.SUCCESS, request, user=user)
    if isinstance(device, StaticDevice):
        services.recovery_used(request, user)
        messages.warning(
            request,
            _("You signed in with a recovery code; %(left)d are left. Make new ones on your account page.")
            % {"left": services.recovery_codes_left(user)},
        )
    next_url = str(pending.get("next") or "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = resolve_url(settings.LOGIN_REDIRECT_URL)
    return redirect(next_url)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # behind login_required: a member of staff


@login_required
def enrol(request: HttpRequest) -> HttpResponseBase:
    """Set up the authenticator: scan the QR code (or type the key), confirm with a code it shows."""
    user = _user(request)
    if services.has_two_factor(user):
        messages.info(request, _("Two-factor sign-in is already set up for your account."))
        return redirect("accounts:account")
    device = services.unconfirmed_authenticator(user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST":
        if is_ratelimited(
            request, group="enrol:user", key="user", rate="10/m", method="POST", increment=True
        ):
            return _too_many(request, 60)
        if form.is_valid():
            codes = services.confirm_authenticator(request, user, device, form.cleaned_data["code"])
            if codes is not None:
                request.session[SHOWN_CODES] = codes
                return redirect("accounts:recovery_codes")
            form.add_error("code", _("The code is not right. Check the time on your phone and try again."))
    context = {
        "form": form,
        "qr_svg": services.qr_svg(device),
        "secret": services.secret_in_groups(device),
        "required": services.must_use_two_factor(user),
        "issuer": settings.KENTMASA_2FA_ISSUER,
    }
    return render(request, "accounts/enrol.html", context)


@login_required
def recovery_codes(request: HttpRequest) -> HttpResponseBase:
    """The recovery codes just made, shown this once (they are not kept where they could be shown again)."""
    codes = request.session.pop(SHOWN_CODES, None)
    if not codes:
        return redirect("accounts:account")
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


@login_required
@require_POST
def renew_recovery_codes(request: HttpRequest) -> HttpResponseBase:
    """New recovery codes, only for a session that passed the code step: the middleware trusts a session's
    mark for a while after its user enrolled elsewhere, and codes handed to a password-only session would
    outlast that."""
    user = _user(request)
    if not services.has_two_factor(user):
        return redirect("accounts:enrol")
    mark = request.session.get(services.MARK)
    if not (isinstance(mark, dict) and mark.get("verified")):
        logout(request)
        return redirect(f"{reverse('cases:login')}?{urlencode({'next': reverse('accounts:account')})}")
    request.session[SHOWN_CODES] = services.new_recovery_codes(user)
    services.record(SignInEvent.Kind.RECOVERY_RENEWED, request, user=user)
    return redirect("accounts:recovery_codes")


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """The user's own account: their two-factor sign-in and their last sign-ins ("son girişlerim")."""
    user = _user(request)
    context = {
        "has_two_factor": services.has_two_factor(user),
        "required": services.must_use_two_factor(user),
        "codes_left": services.recovery_codes_left(user),
        "events": services.recent_events(user),
        "shown": services.SHOWN_EVENTS,
    }
    return render(request, "accounts/account.html", context)


EVENTS_PAGE = 50  # keyset pages along sign_in_time (at), newest first: any page costs what the first does


def _institution_scope(user: User) -> int | None:
    """The institution whose staff's sign-ins ``user`` may read and reset: an administrator's own; 0 for a
    superuser without an institution (everyone); None for anyone else."""
    if user.is_superuser and user.institution_id is None:
        return 0
    if (user.is_superuser or user.role == User.Role.ADMINISTRATOR) and user.institution_id is not None:
        return user.institution_id
    return None


def _staff_events(institution_id: int) -> Any:
    events = SignInEvent.objects.select_related("user", "actor")
    return events if institution_id == 0 else events.filter(user__institution_id=institution_id)


@login_required
def institution_sign_ins(request: HttpRequest) -> HttpResponse:
    """An administrator's view of their institution's sign-ins (newest first, by kind and name), and the
    reset of a member of staff's two-factor sign-in."""
    user = _user(request)
    scope = _institution_scope(user)
    if scope is None:
        raise Http404
    events = _staff_events(scope)
    kind = request.GET.get("tur", "")
    if kind in SignInEvent.Kind.values:
        events = events.filter(kind=kind)
    name = str(request.GET.get("kullanici", "")).replace("\x00", "").strip()[: services.USERNAME_LENGTH]
    if name:
        events = events.filter(user__username=name)
    page = page_from(request.GET, events, "at", size=EVENTS_PAGE, descending=True)
    filters = {key: value for key, value in (("tur", kind), ("kullanici", name)) if value}
    context = {
        "page": page,
        "kinds": SignInEvent.Kind.choices,
        "kind": kind,
        "name": name,
        "filter_query": filter_query(filters),
    }
    return render(request, "accounts/institution_sign_ins.html", context)


@login_required
@require_POST
def reset_two_factor(request: HttpRequest) -> HttpResponseBase:
    """Reset a member of staff's two-factor sign-in (a lost phone): only within the administrator's own
    institution, never their own (another administrator does that)."""
    actor = _user(request)
    scope = _institution_scope(actor)
    if scope is None:
        raise Http404
    name = str(request.POST.get("kullanici", "")).replace("\x00", "").strip()[: services.USERNAME_LENGTH]
    staff = User.objects.filter(username=name)
    if scope:
        staff = staff.filter(institution_id=scope)
    if not actor.is_superuser:  # an institution administrator resets neither a superuser nor admin staff
        staff = staff.exclude(Q(is_superuser=True) | Q(is_staff=True))
    target = staff.first()
    if target is None or target.pk == actor.pk:
        messages.error(request, _("No member of staff of your institution has that user name."))
    elif not services.has_two_factor(target):
        messages.info(request, _("%(name)s has no two-factor sign-in to reset.") % {"name": target.username})
    else:
        services.reset(target, actor=actor, request=request)
        messages.success(
            request,
            _("Two-factor sign-in of %(name)s was reset; they set it up again at their next sign-in.")
            % {"name": target.username},
        )
    return redirect("accounts:institution_sign_ins")
