"""Database plumbing shared by every feature's store: engine, sessions, base class."""
