"""The ``chasen`` command line: an adapter over the domain services."""
