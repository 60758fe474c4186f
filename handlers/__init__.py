"""One module per conversation concern; each handler decides purely, then acts."""
