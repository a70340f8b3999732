"""Binding users to grid cells: a resident's home cell, and roles from invitations."""
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from app.accounts.auth import ensure_manages_street
from app.accounts.models import INVITABLE_ROLES, Binding, Invitation
from app.accounts.tokens import digest
from app.errors import ApiError
from app.extensions import db
from app.grid import service as grid_service
from app.grid.models import GridUnit

# Codes are read aloud and typed on phones: no 0/O, 1/I/L confusion.
INVITE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
INVITE_LENGTH = 10  # ~49 bits; guessing is also bounded by the binding rate limit


def get_cell(code):
    cell = db.session.get(GridUnit, code or "")
    if cell is None or cell.level != "cell" or not cell.active:
        raise ApiError.unprocessable(f"未知的网格 {code} (unknown cell)", "unknown_cell",
                                     fields={"cell_code": ["unknown cell"]})
    return cell


def street_of_cell(cell_code):
    community = db.session.get(GridUnit, get_cell(cell_code).parent_code)
    return community.parent_code


def bind_home_cell(*, user, cell_code, now):
    """A resident has one home cell: binding again moves it."""
    get_cell(cell_code)
    home = next((b for b in user.bindings if b.role == "resident"), None)
    if home is None:
        home = Binding(role="resident", created_at=now)
        user.bindings.append(home)
    home.cell_code = cell_code
    return home


def bind_home_cell_at(*, user, lat, lng, coord, now):
    record = grid_service.locate(lat=lat, lng=lng, coord=coord)
    return bind_home_cell(user=user, cell_code=record.code, now=now)


def redeem_invitation(*, user, invite_code, now):
    """Take one use of the invitation and bind its role; a made-up, expired or used code is a 4xx."""
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.code_hash == digest(normalise_code(invite_code))))
    if invitation is None:
        raise ApiError.unprocessable("邀请码无效 (unknown invitation code)", "invitation_invalid")
    if invitation.expires_at <= now:
        raise ApiError.unprocessable("邀请码已过期 (invitation expired)", "invitation_expired")
    existing = next((b for b in user.bindings
                     if b.cell_code == invitation.cell_code and b.role == invitation.role), None)
    if existing is not None:
        return existing  # redeeming twice is harmless and spends nothing
    take_one_use(invitation)
    binding = Binding(cell_code=invitation.cell_code, role=invitation.role,
                      invitation_id=invitation.id, created_at=now)
    user.bindings.append(binding)
    return binding


def take_one_use(invitation):
    # Compare-and-set: two people racing for the last use cannot both win.
    taken = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.use_count < Invitation.max_uses)
        .values(use_count=Invitation.use_count + 1)
    ).rowcount
    if not taken:
        raise ApiError.unprocessable("邀请码已用完 (invitation used up)", "invitation_used")


def normalise_code(code):
    return (code or "").strip().upper().replace("-", "").replace(" ", "")


def create_invitation(*, staff, cell_code, role, now, max_uses=1, valid_days=7):
    """Returns (plaintext code, invitation); the code is shown once and stored hashed."""
    if role not in INVITABLE_ROLES:
        raise ApiError.validation({"role": [f"must be one of {', '.join(INVITABLE_ROLES)}"]})
    ensure_manages_street(staff, street_of_cell(cell_code))
    code = "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_LENGTH))
    invitation = Invitation(code_hash=digest(code), cell_code=cell_code, role=role,
                            created_by_id=staff.id, created_at=now, max_uses=max_uses,
                            expires_at=now + timedelta(days=valid_days))
    db.session.add(invitation)
    return code, invitation
