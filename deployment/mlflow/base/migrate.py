"""Brings MLflow's backend store to the schema of this image, once per rollout (the migration Job runs it).

Unlike `mlflow db upgrade`, which fails on an empty database in MLflow up to 3.6.x ("relation "metrics" does not
exist"), this does what the server does at start-up: create the initial tables when they are missing, then run the
alembic migrations to head. So it works on an empty database, on an older 3.x one and on a 2.x one. A database-level
lock keeps two migrations (two Jobs, or a Job and a server started by hand) from running at once.

With AUTH=basic it also brings the basic-auth app's database (MLFLOW_AUTH_DATABASE_URI, from the Secret mlflow-auth) to
its head: it creates that database on the same server when it is missing (the in-cluster login owns the server; on
Cloud SQL CreateDatabase has made it), then runs what `python -m mlflow.server.auth db upgrade --url URI` runs.

The URIs come from the environment (MLFLOW_BACKEND_STORE_URI), never from the command line. The lines starting with
"schema " and "auth schema " are read by the suite (build/Kubernetes/SchemaState.cs, MigrationJob.cs): keep their format.

`migrate.py --check` only reads: it prints the database's revision and this image's head and changes nothing (no
lock, no table, no auth database), for a step that must know whether a migration is due before it changes anything.
"""
import os
import sys
from contextlib import contextmanager

import sqlalchemy
from mlflow.store.db import utils

# Arbitrary but fixed: every migration of every image takes the same lock.
POSTGRES_LOCK_KEY = 0x6D6C666C6F77
MYSQL_LOCK_NAME = "mlflow-gke-deploy-migration"
MYSQL_LOCK_TIMEOUT_SECONDS = 3600


@contextmanager
def exclusive(engine):
    """Holds a session-level lock on one connection while the migration uses others."""
    dialect = engine.dialect.name
    if dialect not in ("postgresql", "mysql"):
        yield
        return

    # Autocommit: the lock belongs to the session, and SQLAlchemy 1.4 and 2.x agree on this way to run without a transaction.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        print(f"waiting for the {dialect} migration lock", flush=True)
        if dialect == "postgresql":
            connection.execute(sqlalchemy.text("SELECT pg_advisory_lock(:key)"), {"key": POSTGRES_LOCK_KEY})
        elif connection.execute(sqlalchemy.text("SELECT GET_LOCK(:name, :timeout)"), {"name": MYSQL_LOCK_NAME, "timeout": MYSQL_LOCK_TIMEOUT_SECONDS}).scalar() != 1:
            sys.exit(f"timed out after {MYSQL_LOCK_TIMEOUT_SECONDS}s waiting for the lock {MYSQL_LOCK_NAME}")
        try:
            yield
        finally:
            if dialect == "postgresql":
                connection.execute(sqlalchemy.text("SELECT pg_advisory_unlock(:key)"), {"key": POSTGRES_LOCK_KEY})
            else:
                connection.execute(sqlalchemy.text("SELECT RELEASE_LOCK(:name)"), {"name": MYSQL_LOCK_NAME})


def print_revisions(engine):
    print(f"schema before: {utils._get_schema_version(engine) or 'none'}", flush=True)
    print(f"schema head: {utils._get_latest_schema_revision()}", flush=True)


def ensure_database(engine, name):
    """Creates the database NAME on ENGINE's server unless it exists."""
    dialect = engine.dialect.name
    quoted = engine.dialect.identifier_preparer.quote(name)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if dialect == "postgresql":
            if connection.execute(sqlalchemy.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).scalar() is None:
                connection.execute(sqlalchemy.text(f"CREATE DATABASE {quoted}"))
                print(f"created database {name}", flush=True)
        elif dialect == "mysql":
            connection.execute(sqlalchemy.text(f"CREATE DATABASE IF NOT EXISTS {quoted}"))


def migrate_auth(engine, auth_uri):
    """MLflow's basic-auth schema, as `python -m mlflow.server.auth db upgrade --url URI` migrates it."""
    from mlflow.server.auth.db import utils as auth_utils

    ensure_database(engine, sqlalchemy.engine.make_url(auth_uri).database)
    auth_engine = utils.create_sqlalchemy_engine_with_retry(auth_uri)
    try:
        print(f"auth schema before: {auth_revision(auth_engine) or 'none'}", flush=True)
        auth_utils.migrate(auth_engine, "head")
        print(f"auth schema after: {auth_revision(auth_engine)}", flush=True)
    finally:
        auth_engine.dispose()


def auth_revision(auth_engine):
    """The basic-auth database's alembic revision, None before its first migration."""
    if not sqlalchemy.inspect(auth_engine).has_table("alembic_version_auth"):
        return None
    with auth_engine.connect() as connection:
        return connection.execute(sqlalchemy.text("SELECT version_num FROM alembic_version_auth")).scalar()


def main():
    check_only = sys.argv[1:] == ["--check"]
    if sys.argv[1:] and not check_only:
        sys.exit(f"usage: migrate.py [--check] (got {' '.join(sys.argv[1:])})")

    uri = os.environ.get("MLFLOW_BACKEND_STORE_URI")
    if not uri:
        sys.exit("MLFLOW_BACKEND_STORE_URI is not set: the migration Job reads it from the Secret mlflow-backend-store.")

    engine = utils.create_sqlalchemy_engine_with_retry(uri)
    try:
        if check_only:
            print_revisions(engine)
            return

        with exclusive(engine):
            print_revisions(engine)
            utils._initialize_tables(engine)
            print(f"schema after: {utils._get_schema_version(engine)}", flush=True)
            auth_uri = os.environ.get("MLFLOW_AUTH_DATABASE_URI")
            if auth_uri:
                migrate_auth(engine, auth_uri)
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
