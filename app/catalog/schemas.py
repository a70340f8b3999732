from marshmallow import Schema, fields


class CategorySchema(Schema):
    code = fields.String()
    kind = fields.String()
    minor_code = fields.String()
    name = fields.String(attribute="minor_name")
    default_department_code = fields.String(allow_none=True)
    completion_days = fields.Integer()
    urgent_hours = fields.Integer(allow_none=True)


class MajorClassSchema(Schema):
    code = fields.String()
    name = fields.String()
    minors = fields.List(fields.Nested(CategorySchema))


class KindSchema(Schema):
    kind = fields.String()
    name = fields.Method("kind_name")
    majors = fields.List(fields.Nested(MajorClassSchema))

    def kind_name(self, obj):
        return {"component": "部件", "event": "事件"}[obj["kind"]]


class DepartmentSchema(Schema):
    code = fields.String()
    name = fields.String()
    short_name = fields.String()
