"""The agent desk: a web page where agents take handoffs, reply, note and resolve."""
