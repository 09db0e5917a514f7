"""notifications: where a project's finished jobs are announced (a webhook URL and the secret its requests are signed
with, email addresses)

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "project_notifications",
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("webhook_url", sa.String(length=2000), nullable=True),
        sa.Column("emails", sa.JSON(), nullable=False),
        sa.Column("signing_secret", sa.String(length=200), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("project_notifications")
