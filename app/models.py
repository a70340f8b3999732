"""Imports every domain's models so metadata is complete wherever the app starts."""
from app.catalog.models import Category, Department  # noqa: F401
from app.grid.models import GridUnit, GridVersion  # noqa: F401
from app.accounts.models import ApiToken, Binding, Invitation, User  # noqa: F401
from app.cases.models import Case, CaseEvent, WorkdayOverride  # noqa: F401
from app.reports.models import IdempotencyRecord, Photo, Report  # noqa: F401
from app.notifications.models import Notification  # noqa: F401
from app.patrols.models import Patrol, PatrolMiss  # noqa: F401
