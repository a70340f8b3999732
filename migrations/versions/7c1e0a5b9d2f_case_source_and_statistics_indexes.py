"""case source and statistics indexes

Revision ID: 7c1e0a5b9d2f
Revises: d76017f7fe11
Create Date: 2026-12-01 22:00:00.000000

cases.source is the channel of the case's first report, copied at creation so statistics
group and filter by source in SQL; existing cases take it from their earliest report.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c1e0a5b9d2f'
down_revision = 'd76017f7fe11'
branch_labels = None
depends_on = None

CASE_INDEXES = ("accepted_at", "closed_at", "handled_at", "due_at")


def upgrade():
    op.add_column('cases', sa.Column('source', sa.String(length=20), nullable=False, server_default='miniprogram'))
    op.execute("UPDATE cases SET source = COALESCE((SELECT r.source FROM reports r WHERE r.case_id = cases.id "
               "ORDER BY r.id LIMIT 1), 'miniprogram')")
    for column in CASE_INDEXES:
        op.create_index(f'ix_cases_{column}', 'cases', [column], unique=False)
    op.create_index('ix_case_events_action_at', 'case_events', ['action', 'at'], unique=False)


def downgrade():
    op.drop_index('ix_case_events_action_at', table_name='case_events')
    for column in reversed(CASE_INDEXES):
        op.drop_index(f'ix_cases_{column}', table_name='cases')
    # Not batch mode: recreating the table on SQLite would lose the expression index
    # ix_cases_street_due_sort; SQLite 3.35+ drops a column in place.
    op.drop_column('cases', 'source')
