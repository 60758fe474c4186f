"""The conversation core: message types, state, engine, channels, CLI."""
