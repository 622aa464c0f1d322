"""Second factors for the conversations: one-time codes and the account PIN check."""
