"""The tap's streams, one module per Graph domain."""
