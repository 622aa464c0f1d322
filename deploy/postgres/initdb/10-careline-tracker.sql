-- Rasa's tracker store has a database of its own beside Careline's (POSTGRES_DB=careline),
-- as under `careline up`. The postgres image runs this once, on an empty data volume.
CREATE DATABASE careline_tracker OWNER careline;
