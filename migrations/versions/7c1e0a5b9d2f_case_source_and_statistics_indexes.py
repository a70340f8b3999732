"""case source, statistics indexes and the daily statistics rollup

Revision ID: 7c1e0a5b9d2f
Revises: 9e5596345277
Create Date: 2026-12-01 22:00:00.000000

cases.source is the channel of the case's first report, copied at creation so statistics
group and filter by source in SQL; existing cases take it from their earliest report.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c1e0a5b9d2f'
down_revision = '9e5596345277'
branch_labels = None
depends_on = None

CASE_INDEXES = ("accepted_at", "closed_at", "handled_at", "due_at")
ON_CLOCK_INCLUDE = ("sign_due_at", "handling_due_at", "signed_at", "handled_at", "dispatched_at", "status",
                    "street_code", "community_code", "cell_code", "department_code", "category_code", "source")
# The rollup's measures, as app/stats/models.py had them when this revision was written.
ROLLED = ("accepted", "rejected", "due", "due_on_time", "fed_back", "handling_days", "dispatches", "returns",
          "extended", "verified", "reworked", "supervised", "supervised_phone", "supervised_written",
          "supervised_on_site", "supervised_meeting", "received", "rated", "satisfied",
          "early_day", "early_week", "early_month")


def upgrade():
    op.add_column('cases', sa.Column('source', sa.String(length=20), nullable=False, server_default='miniprogram'))
    op.execute("UPDATE cases SET source = COALESCE((SELECT r.source FROM reports r WHERE r.case_id = cases.id "
               "ORDER BY r.id LIMIT 1), 'miniprogram')")
    for column in CASE_INDEXES:
        op.create_index(f'ix_cases_{column}', 'cases', [column], unique=False)
    op.create_index('ix_case_events_action_at', 'case_events', ['action', 'at'], unique=False)
    late = sa.text("status = 'closed' AND closed_at > due_at")
    op.create_index('ix_cases_late_closed', 'cases', ['due_at'], unique=False, postgresql_where=late, sqlite_where=late)
    op.create_index('ix_cases_report_count', 'cases', ['report_count'], unique=False)
    on_clock = sa.text("status IN ('dispatched', 'in_progress')")
    op.create_index('ix_cases_on_clock', 'cases', ['due_at'], unique=False, postgresql_include=list(ON_CLOCK_INCLUDE),
                    postgresql_where=on_clock, sqlite_where=on_clock)
    op.create_table(
        'stats_daily',
        sa.Column('street_code', sa.String(length=15), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('community_code', sa.String(length=15), nullable=False),
        sa.Column('department_code', sa.String(length=20), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in ROLLED),
        sa.PrimaryKeyConstraint('street_code', 'day', 'community_code', 'department_code'),
    )
    op.create_table(
        'stats_daily_street',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('street_code', sa.String(length=15), nullable=False),
        sa.Column('department_code', sa.String(length=20), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in ROLLED),
        sa.PrimaryKeyConstraint('day', 'street_code', 'department_code'),
    )
    op.create_table(
        'stats_daily_category',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('street_code', sa.String(length=15), nullable=False),
        sa.Column('department_code', sa.String(length=20), nullable=False),
        sa.Column('category_code', sa.String(length=10), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in ROLLED),
        sa.PrimaryKeyConstraint('day', 'street_code', 'department_code', 'category_code'),
    )
    op.create_table(
        'stats_rollup_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('covered_from', sa.Date(), nullable=True),
        sa.Column('swept_at', sa.DateTime(), nullable=True),
        sa.Column('window_day', sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade():
    op.drop_table('stats_rollup_state')
    op.drop_table('stats_daily_category')
    op.drop_table('stats_daily_street')
    op.drop_table('stats_daily')
    op.drop_index('ix_cases_on_clock', table_name='cases')
    op.drop_index('ix_cases_report_count', table_name='cases')
    op.drop_index('ix_cases_late_closed', table_name='cases')
    op.drop_index('ix_case_events_action_at', table_name='case_events')
    for column in reversed(CASE_INDEXES):
        op.drop_index(f'ix_cases_{column}', table_name='cases')
    # Not batch mode: recreating the table on SQLite would lose the expression index
    # ix_cases_street_due_sort; SQLite 3.35+ drops a column in place.
    op.drop_column('cases', 'source')
