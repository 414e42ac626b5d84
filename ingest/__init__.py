"""Getting data in: demo portfolio, imports and (later) meeting transcripts."""
