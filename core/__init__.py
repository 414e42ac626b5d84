"""Infrastructure shared by every layer: settings, database, embedded Postgres, errors."""
