"""Briefs in and out of the site: the brief document format (documents), plain-text import
(plaintext), and backup and restore of the whole site (backup)."""
