"""Inbox triage: what an AP mail is about (intent), and the facts a clerk needs from it."""
