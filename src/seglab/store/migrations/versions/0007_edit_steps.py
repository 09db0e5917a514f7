"""edit steps: each person's undo and redo stack per image, over annotation revisions

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "edit_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("image_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("undone", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["image_id"], ["images.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("edit_steps", schema=None) as batch_op:
        batch_op.create_index("ix_edit_steps_image_author", ["image_id", "author", "id"], unique=False)

    op.create_table(
        "edit_step_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("annotation_id", sa.Integer(), nullable=False),
        sa.Column("before", sa.Integer(), nullable=False),
        sa.Column("after", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["annotation_id"], ["annotations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["step_id"], ["edit_steps.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("edit_step_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_edit_step_changes_annotation_id"), ["annotation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_edit_step_changes_step_id"), ["step_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("edit_step_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_edit_step_changes_step_id"))
        batch_op.drop_index(batch_op.f("ix_edit_step_changes_annotation_id"))

    op.drop_table("edit_step_changes")
    with op.batch_alter_table("edit_steps", schema=None) as batch_op:
        batch_op.drop_index("ix_edit_steps_image_author")

    op.drop_table("edit_steps")
