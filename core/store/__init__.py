"""The core's data: SQLModel tables, the database engine and migrations."""
