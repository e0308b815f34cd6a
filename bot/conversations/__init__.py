"""What the bot remembers: conversation references (for proactive messages), per-conversation
state for follow-ups, feedback and the log of unanswered questions. Tables in `models.py`,
queries in `store.py`."""
