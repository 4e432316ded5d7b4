"""Attendance views, one module per screen family: checkin (desk scanner, manual, undo),
selfcheckin (rotating venue QR), devices (scanner device tokens), reports."""
