"""Notifications: a record of every send (Notification) and one transport per channel."""
