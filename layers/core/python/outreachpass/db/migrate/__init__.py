"""Versioned SQL migrations, applied by the deploy-time custom resource and at local start-up.

Files are named ``V<number>__<name>.sql`` and applied once each, in numeric order, each in
its own transaction, as the role ``outreachpass_owner`` (``SET ROLE`` from the connecting
admin / Aurora master user), so every object belongs to that role. The runner also makes
sure the roles exist:

* ``outreachpass_owner`` (NOLOGIN) owns the schema objects; the admin is made a member of
  it so it can ``SET ROLE``;
* ``outreachpass_app`` (LOGIN, not owner, no BYPASSRLS) is what the functions connect as;
  its password is set when one is given (stored as a SCRAM verifier computed client-side,
  so the plain password never reaches the server's statement log).

A session-level advisory lock, taken by polling ``pg_try_advisory_lock``, serialises
concurrent runners (two deploys, or the local stack starting twice); ``schema_migrations`` records each applied file with its
SHA-256, and a file whose content changed after it was applied stops the run.

A file whose first line is ``-- outreachpass:no-transaction`` runs outside a transaction,
one statement at a time (for ``CREATE INDEX CONCURRENTLY``); it is recorded only once it
has fully succeeded, so write it to be re-runnable (``IF NOT EXISTS``).

The package, one module per job: ``files`` (finding, reading and splitting the SQL files),
``roles`` (the owner and app roles and their privileges), ``runner`` (the lock, the history and
applying what is pending), ``deploy`` (the deploy-time run: credentials from Secrets Manager,
the cluster from the environment) and ``cli`` (operators:
``python -m outreachpass.db.migrate --database-url URL [--create-database]``).
"""

from __future__ import annotations


class MigrationError(RuntimeError):
    """The migrations cannot be applied (bad files, changed files, a failing statement, unsafe roles)."""


class ChecksumMismatchError(MigrationError):
    """An already-applied migration file was edited: migrations are immutable, add a new one."""
