"""Organizations: the department, partner agencies and community groups, and their coordinators."""
