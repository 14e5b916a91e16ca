"""One module per subcommand, each defining a click command `command` that returns an exit code."""
