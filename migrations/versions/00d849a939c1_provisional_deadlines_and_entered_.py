"""provisional deadlines and entered holiday years

Revision ID: 00d849a939c1
Revises: d76017f7fe11
Create Date: 2026-12-01 21:10:54.368199

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '00d849a939c1'
down_revision = 'd76017f7fe11'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_entered_years',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('entered_at', sa.DateTime(), nullable=False),
    sa.Column('note', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_calendar_entered_years'))
    )
    # Plain ALTER TABLE, not batch: a batch rebuild on SQLite would drop the expression
    # index ix_cases_street_due_sort, which SQLite cannot reflect. Existing rows start
    # false: a case dispatched by 10 December 2026 is due in 2026 even with its 3 days of
    # extension (15 working days at most), so none of them was counted across 2027.
    op.add_column('cases', sa.Column('deadlines_provisional', sa.Boolean(), server_default=sa.false(),
                                     nullable=False))


def downgrade():
    op.drop_column('cases', 'deadlines_provisional')
    op.drop_table('calendar_entered_years')
