"""Writes for sessions, venues, agenda, quotas and registrations. Views and commands call these."""
