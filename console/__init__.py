"""The clinic's staff console: a Sanic web application for the clinic's staff.

Staff read every conversation (from Rasa's tracker store, read-only), work the hand-off
queue, and see event registrations. ``python -m console`` serves it; ``python -m console
create-admin`` creates the first admin account. See README, "Staff console".
"""
