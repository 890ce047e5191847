"""The project store: the only package that contains SQL.

A project is one SQLite file (or any SQLAlchemy database URL). Every write happens in
one transaction (:meth:`Project.write`), and every change is appended to the event log.
"""

from __future__ import annotations

from qualcode.store.project import (
    DEFAULT_PROJECT,
    PROJECT_ENV,
    Project,
    default_target,
    open_project,
)

__all__ = ["DEFAULT_PROJECT", "PROJECT_ENV", "Project", "default_target", "open_project"]
