"""Alembic environment: seglab runs migrations in-process with its own engine (see ``Database.migrate``)."""

from alembic import context

from seglab.store._models import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    context.run_migrations()
