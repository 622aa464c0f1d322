"""Running Careline locally: model cache, local secrets, the process supervisor."""
