"""Backups of an installation (database and signing keys) and their restore."""
