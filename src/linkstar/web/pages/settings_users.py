"""Settings → Users: who works in the workspace, with which role."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from linkstar.kit.errors import PermissionDenied
from linkstar.web.context import ConsoleAction, ConsolePage, Page
from linkstar.web.forms import FormState, parse, text_fields
from linkstar.web.pages.common import attempt
from linkstar.workspace import access
from linkstar.workspace.core import Permission, Principal, Role, check_role_grant
from linkstar.workspace.schemas import UserCreate, UserUpdate

router = APIRouter()
P = Permission
FIELDS = ["email", "full_name", "role", "password"]
ROLE_HELP = {
    Role.owner: "Everything, including billing and other owners",
    Role.admin: "Everything except granting the owner role",
    Role.operator: "Runs orders, stock, shipments and returns",
    Role.agent: "Answers buyers and handles returns",
    Role.viewer: "Reads everything but the audit log and jobs",
}


def grantable_roles(actor: Principal) -> list[Role]:
    """Roles this actor may give (never above their own; owner only by an owner)."""
    roles = []
    for role in Role:
        try:
            check_role_grant(actor, role)
        except PermissionDenied:
            continue
        roles.append(role)
    return roles


def _list(page: Page, status: int = 200, message: str = "") -> HTMLResponse:
    users = access.list_users(page.session, page.principal)
    grantable = grantable_roles(page.principal) if page.can(P.users_manage) else []
    extra = [("error", message)] if message else []
    return page.render(
        "settings/users.html",
        status=status,
        users=users,
        grantable=grantable,
        grantable_values={r.value for r in grantable},
        role_help=ROLE_HELP,
        notices=extra,
    )


@router.get("/settings/users", response_class=HTMLResponse)
def users(page: ConsolePage) -> HTMLResponse:
    """People in the workspace and their roles."""
    return _list(page)


def _form(page: Page, state: FormState, status: int = 200) -> HTMLResponse:
    options = [
        (r.value, f"{r.value.title()} · {ROLE_HELP[r]}") for r in grantable_roles(page.principal)
    ]
    return page.render("settings/user_form.html", status=status, state=state, roles=options)


@router.get("/settings/users/new", response_class=HTMLResponse)
def user_new(page: ConsolePage) -> HTMLResponse:
    """The form to invite someone."""
    page.principal.require(P.users_manage)
    return _form(page, FormState(values={"role": Role.operator.value}))


@router.post("/settings/users", response_class=HTMLResponse)
def user_create(page: ConsoleAction) -> Response:
    """Create an account with a role no higher than the inviter's and a first password."""
    page.principal.require(P.users_manage)
    values = text_fields(page.form, ["email", "full_name", "role"])
    values["password"] = str(page.form.get("password") or "")
    state = FormState(values={k: v for k, v in values.items() if k != "password"})
    data = parse(UserCreate, values, state)
    if data is not None:
        user = attempt(page, state, FIELDS, lambda s: access.create_user(s, page.principal, data))
        if user is not None:
            return page.redirect("/settings/users", f"{user.email} can now sign in as {user.role}.")
        if state.message.startswith("Password"):
            state.errors["password"], state.message = state.message, ""
    return _form(page, state, state.status)


def _update(page: Page, user_id: str, data: UserUpdate, done: str) -> Response:
    user = access.get_user(page.session, page.principal, user_id)  # 404 before anything else
    state = FormState()
    changed = attempt(
        page, state, [], lambda s: access.update_user(s, page.principal, user.id, data)
    )
    if changed is None:
        return _list(page, state.status, state.message)
    return page.redirect("/settings/users", done.format(email=changed.email, role=changed.role))


@router.post("/settings/users/{user_id}/role", response_class=HTMLResponse)
def user_role(page: ConsoleAction, user_id: str) -> Response:
    """Give a user another role."""
    page.principal.require(P.users_manage)
    access.get_user(page.session, page.principal, user_id)
    raw: dict[str, Any] = {"role": str(page.form.get("role") or "")}
    state = FormState()
    data = parse(UserUpdate, raw, state)
    if data is None or data.role is None:
        return _list(page, 422, "Choose one of the listed roles.")
    return _update(page, user_id, data, "{email} is now {role}.")


@router.post("/settings/users/{user_id}/deactivate", response_class=HTMLResponse)
def user_deactivate(page: ConsoleAction, user_id: str) -> Response:
    """Stop someone from signing in (their history stays)."""
    page.principal.require(P.users_manage)
    return _update(page, user_id, UserUpdate(is_active=False), "{email} can no longer sign in.")


@router.post("/settings/users/{user_id}/activate", response_class=HTMLResponse)
def user_activate(page: ConsoleAction, user_id: str) -> Response:
    """Let a deactivated user sign in again."""
    page.principal.require(P.users_manage)
    return _update(page, user_id, UserUpdate(is_active=True), "{email} can sign in again.")
