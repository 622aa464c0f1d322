"""Running Careline replicated behind nginx on PostgreSQL, Redis and RabbitMQ (`careline up`)."""
