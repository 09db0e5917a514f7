"""videos: a video record (source name, frame rate, frame count, size, rotation) owning its frame images by index,
and track ids on annotations (one object's annotations across the frames of a video)

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "videos",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("fps", sa.Float(), nullable=False),
        sa.Column("frame_count", sa.Integer(), nullable=False),
        sa.Column("sampled_fps", sa.Float(), nullable=False),
        sa.Column("duration_seconds", sa.Float(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("rotation", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_videos_project_id", "videos", ["project_id"])
    with op.batch_alter_table("images", schema=None) as batch_op:
        batch_op.add_column(sa.Column("video_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("frame_index", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_images_video_id", "videos", ["video_id"], ["id"], ondelete="CASCADE")
        batch_op.create_index("ix_images_video_frame", ["video_id", "frame_index"])
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("track_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_annotations_track", ["track_id"])


def downgrade() -> None:
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.drop_index("ix_annotations_track")
        batch_op.drop_column("track_id")
    with op.batch_alter_table("images", schema=None) as batch_op:
        batch_op.drop_index("ix_images_video_frame")
        batch_op.drop_constraint("fk_images_video_id", type_="foreignkey")
        batch_op.drop_column("frame_index")
        batch_op.drop_column("video_id")
    op.drop_index("ix_videos_project_id", table_name="videos")
    op.drop_table("videos")
