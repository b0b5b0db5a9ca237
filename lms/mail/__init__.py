"""Mail: an outbox in the database, delivered by a background worker (see :mod:`.delivery`)."""
