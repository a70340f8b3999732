from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.accounts.models import INVITABLE_ROLES
from app.grid.datum import DATUMS


class WeChatSignInSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(1, 128))


class StaffSignInSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(1, 64))
    password = fields.String(required=True, validate=validate.Length(1, 256), load_only=True)


class PhoneSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(1, 128))


class BindingRequestSchema(Schema):
    """Exactly one way of binding: a cell code, a location, or an invitation code."""

    cell_code = fields.String(validate=validate.Regexp(r"^\d{15}$"))
    lat = fields.Float(validate=validate.Range(-90, 90), allow_nan=False)
    lng = fields.Float(validate=validate.Range(-180, 180), allow_nan=False)
    coord = fields.String(load_default="gcj02", validate=validate.OneOf(DATUMS))
    invite_code = fields.String(validate=validate.Length(4, 32))

    @validates_schema
    def one_way(self, data, **kwargs):
        ways = [("cell_code" in data), ("lat" in data or "lng" in data), ("invite_code" in data)]
        if sum(ways) != 1:
            raise ValidationError("give one of cell_code, lat+lng, or invite_code", "_schema")
        if ("lat" in data) != ("lng" in data):
            raise ValidationError("lat and lng go together", "lat")


class InvitationRequestSchema(Schema):
    cell_code = fields.String(required=True, validate=validate.Regexp(r"^\d{15}$"))
    role = fields.String(load_default="collector", validate=validate.OneOf(INVITABLE_ROLES))
    max_uses = fields.Integer(load_default=1, validate=validate.Range(1, 100))
    valid_days = fields.Integer(load_default=7, validate=validate.Range(1, 30))


class BindingSchema(Schema):
    cell_code = fields.String()
    role = fields.String()
    created_at = fields.DateTime()


class UserSchema(Schema):
    id = fields.Integer()
    roles = fields.List(fields.String())
    bindings = fields.List(fields.Nested(BindingSchema))
    nickname = fields.String(allow_none=True)
    phone_bound = fields.Function(lambda user: bool(user.phone))
    username = fields.String(allow_none=True)
    street_code = fields.String(allow_none=True)
    department_code = fields.String(allow_none=True)


class InvitationSchema(Schema):
    code = fields.String()
    cell_code = fields.String()
    role = fields.String()
    max_uses = fields.Integer()
    expires_at = fields.DateTime()


class FailedSignInsSchema(Schema):
    count = fields.Integer()
    last_at = fields.DateTime()


def signed_in(token, user, ttl_seconds, missed=None):
    """`failed_sign_ins` tells a staff member of wrong passwords since their last sign-in."""
    return {"token": token, "expires_in": ttl_seconds, "user": UserSchema().dump(user),
            "failed_sign_ins": FailedSignInsSchema().dump(missed) if missed else None}
