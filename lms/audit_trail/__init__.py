"""The audit trail: an administrator's page over the audit log, in words, with a CSV export."""
