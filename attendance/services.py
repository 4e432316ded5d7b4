"""Attendance writes (check-in, undo, device tokens). Every path — desk scanner, venue QR,
manual, JSON API — goes through these functions."""
