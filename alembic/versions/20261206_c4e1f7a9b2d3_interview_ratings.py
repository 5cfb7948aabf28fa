"""interview: structured-interview ratings, one row per interviewer and question

Revision ID: c4e1f7a9b2d3
Revises: a7cb1acdd333
Create Date: 2026-12-06 02:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.db


revision: str = 'c4e1f7a9b2d3'
down_revision: str | None = 'a7cb1acdd333'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('interview_rating',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=False),
    sa.Column('interviewer_id', sa.Integer(), nullable=True),
    sa.Column('instrument_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('instrument_version', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('item_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['interviewer_id'], ['user_account.id'], name=op.f('fk_interview_rating_interviewer_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitation.id'], name=op.f('fk_interview_rating_invitation_id_invitation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_interview_rating_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_interview_rating_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interview_rating'))
    )
    with op.batch_alter_table('interview_rating', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interview_rating_interviewer_id'), ['interviewer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interview_rating_invitation_id'), ['invitation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interview_rating_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interview_rating_person_id'), ['person_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('interview_rating', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interview_rating_person_id'))
        batch_op.drop_index(batch_op.f('ix_interview_rating_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_interview_rating_invitation_id'))
        batch_op.drop_index(batch_op.f('ix_interview_rating_interviewer_id'))

    op.drop_table('interview_rating')
