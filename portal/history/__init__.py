"""Activity history: every access to and change of a space, shown to its holder."""
