"""Logging that helps an operator without leaking customers' numbers."""
