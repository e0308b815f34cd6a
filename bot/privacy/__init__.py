"""Data protection: where personal data lives (`registry`), retention (`retention.run_retention`),
and one person's data exported or erased (`user_data`). See docs/data-protection.md."""
