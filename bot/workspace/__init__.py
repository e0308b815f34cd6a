"""The procurement section's workspace: a Teams tab (and the same pages in a browser) served by
the bot's own server. See bot/workspace/web.py for the routes and docs/workspace.md."""
