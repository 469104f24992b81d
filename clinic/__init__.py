"""What the action server and the staff console share.

- ``config``, ``hours``: the clinic file (``clinic.yml``) and its opening hours.
- ``db``, ``models``, ``migrate``: the clinic database (SQLite ``var/clinic.db`` or
  ``DATABASE_URL``), its tables, and ``python -m clinic.migrate`` (run by ``make setup``).
- ``tickets``, ``registrations``: hand-off tickets and event registrations.
- ``validation``, ``references``, ``transcript``, ``response_time``: checking what visitors
  type, the references they are given, the conversation context kept with a ticket, and
  when they can expect a reply.
- ``outbox``, ``notify_worker``, ``staff_messages``, ``mailer``, ``webhook``: staff
  notifications, written with the ticket or registration and sent later by a worker.
- ``errors``: every exception the package raises on purpose.
"""
