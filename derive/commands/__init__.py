"""The command line's parts: shared options, result handling, one command per kind."""
