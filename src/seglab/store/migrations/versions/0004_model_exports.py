"""model exports (ONNX files of trained models)

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "model_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["model_id"], ["models.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("model_id", "format"),
    )
    with op.batch_alter_table("model_exports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_model_exports_model_id"), ["model_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("model_exports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_exports_model_id"))
    op.drop_table("model_exports")
