"""The declarative base every Careline table derives from.

One metadata object lets Alembic see every feature's tables; naming
conventions keep constraint names identical on SQLite and PostgreSQL.
"""

from typing import TYPE_CHECKING, Any

from sqlalchemy import MetaData, Table
from sqlalchemy.orm import declarative_base

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

if TYPE_CHECKING:
    class Base:
        """What the type checker sees: SQLAlchemy 1.4 ships no type information."""

        metadata: MetaData
        __table__: Table
        __tablename__: str

        def __init__(self, **columns: Any) -> None: ...
else:
    Base = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))
