"""grid units retire instead of disappearing

A full grid re-import retires the units its file leaves out (issue #18): they are no
longer located or listed, but reports, cases and patrols still refer to their codes.

Revision ID: 9f31029aaa80
Revises: 00d849a939c1
Create Date: 2026-12-01 21:11:43.696365

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9f31029aaa80'
down_revision = '00d849a939c1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('grid_units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('grid_units', schema=None) as batch_op:
        batch_op.drop_column('retired_at')
