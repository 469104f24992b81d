"""Staff accounts, for admins: add, disable or enable, reset a password, change a role.

A new account and a reset get a temporary password that its owner must replace at their
next sign-in. Disabling an account or resetting its password ends its sessions at once.
Every change is audited.
"""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request

from clinic import audit, staff_accounts
from clinic.audit import AuditAction
from clinic.errors import InvalidInput
from clinic.staff_accounts import AccountNotFound
from console.security import admin_only
from console.web import actor, blocking, current_session, field, redirect, render

bp = Blueprint("accounts")


def _account_id(value: str) -> int:
    if not value.isdigit() or len(value) > 12:
        raise InvalidInput("account", "invalid", "No such account.")
    return int(value)


async def _accounts_page(request: Request, message: str = "", status: int = 200, form=None):
    accounts = await blocking(staff_accounts.list_accounts, request.app.ctx.db)
    return render(request, "accounts/list.html", status=status, accounts=accounts, message=message, form=form or {})


@bp.get("/accounts")
@admin_only
async def list_accounts(request: Request):
    return await _accounts_page(request)


@bp.post("/accounts")
@admin_only
async def create_account(request: Request):
    form = {name: field(request, name) for name in ("username", "display_name", "role")}
    try:
        user = await blocking(
            staff_accounts.create_account,
            request.app.ctx.db,
            form["username"],
            form["display_name"],
            form["role"],
            field(request, "password"),
            must_change_password=True,
        )
    except InvalidInput as error:
        return await _accounts_page(request, message=error.message, status=400, form=form)
    await blocking(
        audit.record,
        request.app.ctx.db,
        actor(request),
        AuditAction.ACCOUNT_CREATED,
        "account",
        str(user.id),
        {"username": user.username, "role": user.role},
    )
    return redirect(request, "accounts.list_accounts", flash=f"Account {user.username} created.")


async def _change(request: Request, account_id: str, action: str, change, *args, detail=None):
    try:
        user = await blocking(change, request.app.ctx.db, _account_id(account_id), *args)
    except (InvalidInput, AccountNotFound) as error:
        return redirect(request, "accounts.list_accounts", flash=getattr(error, "message", "No such account."))
    await blocking(
        audit.record,
        request.app.ctx.db,
        actor(request),
        action,
        "account",
        str(user.id),
        {"username": user.username, **(detail or {})},
    )
    return redirect(request, "accounts.list_accounts", flash=f"Account {user.username} updated.")


@bp.post("/accounts/<account_id:str>/active")
@admin_only
async def set_active(request: Request, account_id: str):
    active = field(request, "active") == "true"
    action = AuditAction.ACCOUNT_ENABLED if active else AuditAction.ACCOUNT_DISABLED
    me = current_session(request).user.id
    return await _change(request, account_id, action, staff_accounts.set_active, active, me)


@bp.post("/accounts/<account_id:str>/password")
@admin_only
async def reset_password(request: Request, account_id: str):
    return await _change(
        request,
        account_id,
        AuditAction.ACCOUNT_PASSWORD_RESET,
        staff_accounts.reset_password,
        field(request, "password"),
    )


@bp.post("/accounts/<account_id:str>/role")
@admin_only
async def set_role(request: Request, account_id: str):
    role = field(request, "role")
    me = current_session(request).user.id
    return await _change(
        request, account_id, AuditAction.ACCOUNT_ROLE_CHANGED, staff_accounts.set_role, role, me, detail={"role": role}
    )
