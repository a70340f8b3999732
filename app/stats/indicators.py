"""The assessment indicators (考核指标), defined once: what each figure is made of.

Every indicator is computed from raw measures that the queries of queries.py count in SQL
(their names are the measure keys below); this module only says which measures make which
figure. The definitions follow ../shared/METRICS.md; docs/STATS.md says each one in words and
where this code chose otherwise, and why.

A rate is a fraction (0..1) with its numerator and denominator, or None over an empty
denominator ("not applicable", never 0 % or 100 %). An indicator whose records have not landed
yet (催办, 回访, manual supervision kinds) is `available: false` with the reason, never 0.
"""
from dataclasses import dataclass

COUNT, RATE, MEAN = "count", "rate", "mean"

NOT_LANDED_URGE = "催办记录尚未上线 (urge records have not landed)"
NOT_LANDED_CALLBACK = "回访记录尚未上线 (call-back records have not landed)"
NOT_LANDED_MANUAL = "人工督办记录尚未上线，仅有系统自动督办 (manual supervision records have not landed)"
SNAPSHOT_ONLY_TOTAL = "期末时点数，按日/周/月分组时见合计 (a snapshot at the end of the period: see the total)"


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    kind: str = COUNT
    numerator: str | None = None    # the raw measure counted (a count's own value)
    denominator: str | None = None  # for rates and means
    unavailable: str | None = None  # why there is no figure yet
    snapshot: bool = False          # a state at the end of the period, not a count over it
    unit: str = ""

    @property
    def available(self):
        return self.unavailable is None


def count(key, label, measure=None, **kwargs):
    return Indicator(key, label, COUNT, numerator=measure or key, **kwargs)


def rate(key, label, numerator, denominator):
    return Indicator(key, label, RATE, numerator=numerator, denominator=denominator)


def missing(key, label, reason, kind=COUNT):
    return Indicator(key, label, kind, unavailable=reason)


# Supervision levels of the automatic ladder (CASE_SUPERVISION_LEVELS) and the kinds of
# METRICS.md they are; the events say the level in their note's first words (supervision.py).
SUPERVISION_KINDS = (("phone", "电话督办数"), ("written", "书面督办数"), ("on_site", "现场督办数"),
                     ("meeting", "专题会议督办数"))

INDICATORS = (
    count("received", "受理数"),
    count("accepted", "立案数"),
    count("rejected", "不予立案数"),
    count("due", "应结案数"),
    count("suspended", "缓办数"),  # parking (挂账) does not exist yet: 0, as METRICS.md says
    count("closed", "结案数"),
    rate("closure_rate", "结案率", "closed", "due_net"),
    count("closed_on_time", "按期结案数", "on_time"),
    rate("on_time_rate", "按期结案率", "on_time", "due_net"),
    count("reworked", "返工数"),
    rate("rework_rate", "返工率", "reworked", "verified"),
    count("extended", "延期数"),
    rate("extension_rate", "延期率", "extended", "dispatches"),
    count("returned", "退单数", "returns"),
    rate("return_rate", "退单率", "returns", "dispatches"),
    count("overdue_sign", "超期数（签收）", snapshot=True),
    count("overdue_handling", "超期数（首次处置）", snapshot=True),
    count("overdue_completion", "超期数（办结）", snapshot=True),
    count("supervised", "督办数"),
    *(count(f"supervised_{level}", label) for level, label in SUPERVISION_KINDS),
    missing("supervised_leader", "领导督办单数", NOT_LANDED_MANUAL),
    missing("supervised_review", "复核督办数", NOT_LANDED_MANUAL),
    missing("urged", "催办数", NOT_LANDED_URGE),
    Indicator("mean_handling_days", "平均处置时长", MEAN, numerator="handling_days", denominator="fed_back",
              unit="工作日"),
    missing("callback_rate", "回访率", NOT_LANDED_CALLBACK, kind=RATE),
    rate("satisfaction_rate", "满意率", "satisfied", "rated"),
    count("repeat_groups", "重复工单"),
)
BY_KEY = {indicator.key: indicator for indicator in INDICATORS}
# The overview table's columns, and the bulletin's.
MAIN = ("received", "accepted", "due", "closed", "closure_rate", "closed_on_time", "on_time_rate",
        "overdue_completion", "rework_rate", "return_rate", "supervised", "satisfaction_rate")


SUSPENDED = 0  # 缓办: parking (挂账) does not exist yet, so nothing leaves the denominators


def derived(measures):
    """Measures that other measures make: 应结案 net of suspended cases (the closure denominators)."""
    return {**measures, "suspended": SUSPENDED, "due_net": measures.get("due", 0) - SUSPENDED}


def figure(indicator, measures, snapshots=True):
    """One indicator's answer from a row of raw measures."""
    if not indicator.available:
        return {"value": None, "available": False, "reason": indicator.unavailable}
    if indicator.snapshot and not snapshots:
        return {"value": None, "available": False, "reason": SNAPSHOT_ONLY_TOTAL}
    measures = derived(measures)
    numerator = measures.get(indicator.numerator, 0)
    if indicator.kind == COUNT:
        return {"value": numerator}
    denominator = measures.get(indicator.denominator, 0)
    digits = 4 if indicator.kind == RATE else 2
    value = round(numerator / denominator, digits) if denominator else None
    return {"value": value, "numerator": numerator, "denominator": denominator}


def figures(measures, snapshots=True):
    return {indicator.key: figure(indicator, measures, snapshots) for indicator in INDICATORS}


def describe():
    """The indicator list an answer carries, for clients that draw the table."""
    return [{"key": i.key, "label": i.label, "kind": i.kind, "unit": i.unit, "available": i.available}
            for i in INDICATORS]
