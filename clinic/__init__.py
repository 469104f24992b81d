"""What the action server and the staff console share: the clinic's configuration (and, later, its database)."""
