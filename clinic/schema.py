"""Every table of the clinic database, for Alembic and the schema test.

The models live with their concern (``clinic.models``: the assistant's records;
``clinic.console_models``: the staff console's; ``clinic.conversation_index_models``: the
console's index of Rasa's conversations); importing this module registers them all on the
one ``metadata``.
"""

from clinic import console_models, conversation_index_models, models  # noqa: F401 - imported for their tables

metadata = models.Base.metadata

# Tables whose shape differs per backend, created by their migration alone (the full-text
# index: an FTS5 virtual table and its shadow tables on SQLite, a tsvector table on PostgreSQL).
UNMODELLED_TABLE_PREFIXES = (conversation_index_models.SEARCH_TABLE,)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: leave the per-backend full-text tables out of model comparisons."""
    table_name = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", "")
    return not any((table_name or "").startswith(prefix) for prefix in UNMODELLED_TABLE_PREFIXES)
