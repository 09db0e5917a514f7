"""grid indexes: a project's images by id, and the images holding a live annotation of a class, read from indexes
alone (benchmarks/large_project.py: the class filter of a 100,000-image project read every matching annotation row)

Revision ID: 0016
Revises: 0015
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_images_project_id", "images", ["project_id", "id"])
    op.create_index("ix_annotations_category_image", "annotations", ["category_id", "deleted", "image_id"])


def downgrade() -> None:
    op.drop_index("ix_annotations_category_image", table_name="annotations")
    op.drop_index("ix_images_project_id", table_name="images")
