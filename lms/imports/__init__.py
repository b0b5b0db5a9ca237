"""Imports: people from an HR export and past training records, previewed then applied."""
