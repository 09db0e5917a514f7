"""pretrained models: a model with no project or version (a published COCO checkpoint), named ``pretrained``

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.alter_column("project_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("version_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("pretrained", sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint("uq_models_pretrained", ["pretrained"])


def downgrade() -> None:
    op.execute("DELETE FROM models WHERE project_id IS NULL")
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.drop_constraint("uq_models_pretrained", type_="unique")
        batch_op.drop_column("pretrained")
        batch_op.alter_column("version_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("project_id", existing_type=sa.Integer(), nullable=False)
