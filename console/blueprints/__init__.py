"""One blueprint per area of the console: auth, conversations, queue, registrations, accounts."""
