"""organisation instruments: the product test a company fills in and calibrated versions

Revision ID: e2b7d4c1a9f6
Revises: c4e1f7a9b2d3
Create Date: 2026-12-06 04:26:55.632077
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.db


revision: str = 'e2b7d4c1a9f6'
down_revision: str | None = 'c4e1f7a9b2d3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('organisation_instrument',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('version', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('retired_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_organisation_instrument_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_organisation_instrument_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_instrument'))
    )
    with op.batch_alter_table('organisation_instrument', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_instrument_instrument_id'), ['instrument_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_instrument_organisation_id'), ['organisation_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('organisation_instrument', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_instrument_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_organisation_instrument_instrument_id'))

    op.drop_table('organisation_instrument')
