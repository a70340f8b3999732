"""Every case action of DESIGN.md §1 as one record: the one place that says what it does.

A record names the action, its outcomes (from → to, what the page says after it,
whether the reporters are told), who may take it, the request schema, the plan that
fills the case row, and its Chinese label for buttons and the timeline. Everything
else reads these records: transition() checks states and roles, the API and the pages
pick schemas, the case page lists the actions in this order (the step that moves a
case forward first, exceptions after), and the timeline names them.

Adding an action: one Action here, its plan in plans.py, its request schema in
schemas.py, its form in templates/web/cases/actions/<name>.html, and tests.
"""
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from marshmallow import Schema, fields, validate

from app.cases import plans, schemas
from app.core.errors import ApiError

STREET = "street"          # staff of the case's street, or a district admin
DEPARTMENT = "department"  # handlers of the department the case is dispatched to


@dataclass(frozen=True)
class Outcome:
    moves: Mapping[str, str]  # from status → to status
    done: str                 # what the page says once it worked
    public: bool = False      # a step the case's reporters are told of


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    who: str
    schema: type[Schema]
    plan: Callable[..., plans.Plan]
    outcomes: Mapping[str | None, Outcome]
    by: str | None = None  # the parameter that picks the outcome (verify's `result`)
    system: bool = False   # the system may take it too (an unsatisfied reporter reopens)

    def outcome(self, params: Mapping) -> Outcome | None:
        return self.outcomes.get(params.get(self.by) if self.by else None)

    def allowed_from(self, status: str) -> bool:
        return any(status in outcome.moves for outcome in self.outcomes.values())


def only(moves: Mapping[str, str], done: str, public: bool = False) -> dict[str | None, Outcome]:
    return {None: Outcome(moves, done, public)}


WORKFLOW = (
    Action("accept", "受理立案", STREET, schemas.ActionSchema, plans.accept,
           only({"pending": "accepted"}, "已受理立案", public=True)),
    Action("dispatch", "派遣", STREET, schemas.DispatchSchema, plans.dispatch,
           only({"accepted": "dispatched"}, "已派遣", public=True)),
    Action("sign", "签收", DEPARTMENT, schemas.ActionSchema, plans.sign,
           only({"dispatched": "in_progress"}, "已签收")),
    Action("feedback", "处置反馈", DEPARTMENT, schemas.FeedbackSchema, plans.feedback,
           only({"in_progress": "handled"}, "已提交处置反馈")),
    Action("verify", "核查", STREET, schemas.VerifySchema, plans.verify, by="result", outcomes={
        "pass": Outcome({"handled": "closed"}, "核查通过，已结案", public=True),
        "fail": Outcome({"handled": "dispatched"}, "核查不通过，已返工"),  # 返工: rework count + 1
    }),
    Action("reject", "不予受理", STREET, schemas.ReasonSchema, plans.reject,
           only({"pending": "rejected"}, "已作不予受理处理", public=True)),
    Action("merge", "合并", STREET, schemas.MergeSchema, plans.merge,
           only({"pending": "merged"}, "已合并到目标案卷")),
    Action("return", "退单", DEPARTMENT, schemas.ReasonSchema, plans.give_back,
           only({"dispatched": "accepted", "in_progress": "accepted"}, "已退单，案卷退回街镇")),
    Action("extend", "延期", STREET, schemas.ExtendSchema, plans.extend,
           only({"in_progress": "in_progress"}, "已延期")),
    Action("reopen", "重办", STREET, schemas.ReopenSchema, plans.reopen,  # 重办 after an unsatisfied reporter
           only({"closed": "dispatched"}, "已重办", public=True), system=True),
)
ACTIONS = {action.name: action for action in WORKFLOW}
# Timeline entries that are not staff actions, then every action's own label.
EVENT_LABELS = {
    "created": "上报立卷", "report_attached": "追加上报", "merged_in": "合并转入", "note": "派遣说明",
    "supervise": "督办", "remind": "到期提醒", "deadlines_recomputed": "期限重算",
    **{action.name: action.label for action in WORKFLOW},
}


class UnknownActionSchema(schemas.ActionSchema):
    action = fields.String(required=True, validate=validate.OneOf(tuple(ACTIONS)))


def find(name) -> Action:
    action = ACTIONS.get(name) if isinstance(name, str) else None
    if action is None:
        raise ApiError.validation({"action": [f"unknown action; one of {', '.join(ACTIONS)}"]})
    return action


def request_schema(body) -> Schema:
    """The schema for the body's action; an unknown action fails like any bad field."""
    name = body.get("action") if isinstance(body, dict) else None
    action = ACTIONS.get(name) if isinstance(name, str) else None
    return action.schema() if action else UnknownActionSchema()


def done_message(name: str, params: Mapping) -> str:
    outcome = find(name).outcome(params)
    return outcome.done if outcome else "操作成功"
