"""Pure rules of learning: no I/O, tested directly."""
