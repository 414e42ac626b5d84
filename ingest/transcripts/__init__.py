"""Meeting transcripts: parsing, chunking, embedding, storage and search."""
