"""Every table of the clinic database, for Alembic and the schema test.

The models live with their concern (``clinic.models``: the assistant's records;
``clinic.console_models``: the staff console's); importing this module registers them all
on the one ``metadata``.
"""

from clinic import console_models, models  # noqa: F401 - imported for their tables

metadata = models.Base.metadata
