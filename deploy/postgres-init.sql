-- The compose file's PostgreSQL: the clinic database is created by the image (POSTGRES_DB); the
-- tracker store (Rasa's events) gets a database of its own, owned by the same user.
CREATE DATABASE tracker OWNER clinic;
