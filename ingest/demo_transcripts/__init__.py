"""Demo meeting transcripts in several export formats, ingested by ``chasen demo``."""
