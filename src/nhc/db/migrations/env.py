"""Alembic environment: runs migrations on the connection handed over by :func:`nhc.db.upgrade`
(or on an engine built from ``sqlalchemy.url`` when run by the ``alembic`` command)."""

from __future__ import annotations

import contextlib
import importlib

from alembic import context

from nhc.db import MODEL_MODULES, Base, make_engine

for module in MODEL_MODULES:
    # models are only needed for autogenerate; a missing area must not stop migrations
    with contextlib.suppress(ModuleNotFoundError):
        importlib.import_module(module)

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
