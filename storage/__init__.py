"""Tables, the async database session and migrations. Knows nothing of chats."""
