"""Courses run by the procurement section: sign-up, waiting list, calendar invitations, reminders."""
