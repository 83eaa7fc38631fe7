"""intake regions: the city, its counties and towns; every department in one region

Revision ID: rg001
Revises: jr01
Create Date: 2026-12-05 23:50:00
"""
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'rg001'
down_revision: str | Sequence[str] | None = 'jr01'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CITY = "140300"


def upgrade() -> None:
    region = op.create_table(
        'intake_region',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('code', sa.String(length=12), nullable=False),
        sa.Column('name_zh', sa.String(length=100), nullable=False),
        sa.Column('name_en', sa.String(length=150), nullable=False),
        sa.Column('level', sa.String(length=16), nullable=False),
        sa.Column('parent_id', sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(['parent_id'], ['intake_region.id'],
                                name=op.f('fk_intake_region_parent_id_intake_region'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_region')),
        sa.UniqueConstraint('code', name=op.f('uq_intake_region_code')),
    )
    with op.batch_alter_table('intake_region', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intake_region_parent_id'), ['parent_id'],
                              unique=False)
    # The departments already there are the city's (the only center before regions).
    city_id = uuid.uuid4()
    op.bulk_insert(region, [{"id": city_id, "code": CITY, "name_zh": "阳泉市",
                             "name_en": "Yangquan City", "level": "city", "parent_id": None}])
    with op.batch_alter_table('intake_department', schema=None) as batch_op:
        batch_op.add_column(sa.Column('region_id', sa.Uuid(), nullable=True))
    op.execute(sa.text("UPDATE intake_department SET region_id = "
                       "(SELECT id FROM intake_region WHERE code = :code)").bindparams(code=CITY))
    with op.batch_alter_table('intake_department', schema=None) as batch_op:
        batch_op.alter_column('region_id', existing_type=sa.Uuid(), nullable=False)
        batch_op.create_index(batch_op.f('ix_intake_department_region_id'), ['region_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_intake_department_region_id_intake_region'),
                                    'intake_region', ['region_id'], ['id'], ondelete='RESTRICT')


def downgrade() -> None:
    with op.batch_alter_table('intake_department', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_intake_department_region_id_intake_region'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_intake_department_region_id'))
        batch_op.drop_column('region_id')
    with op.batch_alter_table('intake_region', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intake_region_parent_id'))
    op.drop_table('intake_region')
