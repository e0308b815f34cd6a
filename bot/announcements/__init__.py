"""Announcements from the procurement section to chosen audiences, through the outbox."""
